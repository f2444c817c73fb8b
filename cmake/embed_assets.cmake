# picbot_embed_assets(TARGET FUNCTION <c++ name> BASE_DIR <dir> FILES <files...>)
#
# Compiles files into a static library TARGET that defines
#   std::span<const picbot::web::EmbeddedAsset> <c++ name>();
# (declare it yourself, e.g. in the namespace given by the name:
# "picbot::web::console_assets"). Each asset's path is its file path relative
# to BASE_DIR; the content type comes from the extension. The generated .cpp
# is rebuilt when a file changes. Plugins use this for their console pages.
set(PICBOT_EMBED_ASSETS_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_assets_generate.cmake)

function(picbot_embed_assets target)
  cmake_parse_arguments(ARG "" "FUNCTION;BASE_DIR" "FILES" ${ARGN})
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${target}_generated.cpp)
  set(absolute "")
  foreach(file ${ARG_FILES})
    get_filename_component(path ${file} ABSOLUTE BASE_DIR ${ARG_BASE_DIR})
    list(APPEND absolute ${path})
  endforeach()
  string(REPLACE ";" "|" file_arg "${absolute}")
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DFUNCTION=${ARG_FUNCTION} -DBASE_DIR=${ARG_BASE_DIR}
            "-DFILES=${file_arg}" -P ${PICBOT_EMBED_ASSETS_SCRIPT}
    DEPENDS ${absolute} ${PICBOT_EMBED_ASSETS_SCRIPT}
    COMMENT "Embedding ${target}"
    VERBATIM)
  add_library(${target} STATIC ${output})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()
