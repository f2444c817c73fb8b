// fetch_on: one HTTP request from a unit test whose server runs on the same
// io_context. Runs io until the request finishes (at most 30 s), then
// restarts it for the next call. A failed request is a test failure and
// yields an empty response.
#pragma once

#include <boost/asio/io_context.hpp>
#include <string>
#include <utility>
#include <vector>

#include "bot/net/http_client.h"

namespace picbot::web {

net::HttpResponse fetch_on(boost::asio::io_context& io, net::HttpClient& client, std::string method,
                           std::string url, std::string body = "",
                           std::vector<std::pair<std::string, std::string>> headers = {});

}  // namespace picbot::web
