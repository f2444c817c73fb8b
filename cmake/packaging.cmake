# Install layout and the Debian package (CPack DEB; scripts/package.sh):
#   /usr/bin/picbot, /usr/bin/picbot-file-receiver
#   /etc/picbot/picbot.yaml            the example config (a conffile)
#   /etc/default/picbot{,-file-receiver}  the units' environment (conffiles)
#   /lib/systemd/system/*.service      units (packaging/systemd)
# The maintainer scripts (packaging/debian) create the picbot system user and
# /var/lib/picbot, the services' working and data directory.
set(PICBOT_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

install(TARGETS picbot picbot-file-receiver RUNTIME DESTINATION bin COMPONENT picbot)
install(FILES ${PROJECT_SOURCE_DIR}/config/picbot.example.yaml DESTINATION /etc/picbot RENAME picbot.yaml
        PERMISSIONS OWNER_READ OWNER_WRITE COMPONENT picbot)
install(FILES ${PICBOT_PACKAGING_DIR}/default-picbot DESTINATION /etc/default RENAME picbot COMPONENT picbot)
install(FILES ${PICBOT_PACKAGING_DIR}/default-picbot-file-receiver DESTINATION /etc/default
        RENAME picbot-file-receiver COMPONENT picbot)
install(FILES ${PICBOT_PACKAGING_DIR}/systemd/picbot.service ${PICBOT_PACKAGING_DIR}/systemd/picbot-file-receiver.service
        DESTINATION /lib/systemd/system COMPONENT picbot)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME picbot)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "picbot maintainers <picbot@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "QQ bot host speaking OneBot v11 to NapCat, with image generation")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "picbot connects to NapCat over OneBot v11 and runs plugins (gemini_pic_gen: /draw through "
       "OpenRouter), an optional LLM agent and a web console. picbot-file-receiver runs next to NapCat "
       "for file transfers.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};${PROJECT_NAME};picbot;/")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, ca-certificates")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PICBOT_PACKAGING_DIR}/debian/conffiles ${PICBOT_PACKAGING_DIR}/debian/postinst
    ${PICBOT_PACKAGING_DIR}/debian/prerm ${PICBOT_PACKAGING_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
