# picbot in a container: Debian 12, built with the project's own scripts,
# installed from the .deb it makes. Not tested by the suite (no Docker engine
# on the build machines); see README.en.md "Installing from the .deb / Docker"
# (README.md "从 .deb / Docker 安装").
#
#   docker build -t picbot .
#   docker run --rm picbot --print-example-config > config/picbot.yaml

FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN apt-get update -qq \
 && PICBOT_BUILD_DIR=/src/build-package scripts/package.sh \
 && cp build-package/picbot_*.deb /picbot.deb

FROM debian:12-slim
COPY --from=build /picbot.deb /tmp/picbot.deb
# apt resolves the package's Depends (the shared libraries) from Debian 12.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/picbot.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/picbot.deb
USER picbot
WORKDIR /var/lib/picbot
VOLUME ["/var/lib/picbot"]
# 8080: OneBot reverse WebSocket (NapCat connects here); 6185: web console.
EXPOSE 8080 6185
ENTRYPOINT ["/usr/bin/picbot"]
CMD ["--config", "/etc/picbot/picbot.yaml"]
