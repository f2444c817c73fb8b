// GeneratedImage: the engine's image, as every provider hands it back.
#pragma once

#include <string>

namespace picbot::image {

struct GeneratedImage {
  std::string bytes;
  std::string mime;        // from the bytes' magic number, not from what the provider claimed
  std::string extension;   // without the dot
  std::string model_text;  // text the model sent along with the image, "" if none
};

}  // namespace picbot::image
