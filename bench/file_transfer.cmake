# file_transfer_bench: picbot-file-receiver throughput on loopback against a
# plain read()/write() TCP sink (see bench/file_transfer_bench.cpp).
add_executable(file_transfer_bench ${CMAKE_CURRENT_SOURCE_DIR}/file_transfer_bench.cpp)
target_link_libraries(file_transfer_bench PRIVATE file_receiver)
target_compile_options(file_transfer_bench PRIVATE -Wall -Wextra -Wno-unused-parameter)
