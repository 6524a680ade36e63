# bt_check_fuzzer(OK WHY): can clang compile and link a libFuzzer program with ASan and UBSan here?
# Sets BT_CLANG in the caller too. Not cached: the probe runs at every configure (well under a
# second), so installing the runtime later is picked up by the next configure.
function(bt_check_fuzzer ok why)
  find_program(BT_CLANG NAMES clang clang-14)
  if(NOT BT_CLANG)
    set(${ok} FALSE PARENT_SCOPE)
    set(${why} "clang not found (apt-get install clang libclang-rt-14-dev)" PARENT_SCOPE)
    return()
  endif()
  set(BT_CLANG "${BT_CLANG}" PARENT_SCOPE)

  execute_process(COMMAND "${BT_CLANG}" --version OUTPUT_VARIABLE version ERROR_QUIET)
  string(REGEX MATCH "version ([0-9]+)" _ "${version}")
  set(runtime "libclang-rt-${CMAKE_MATCH_1}-dev")

  set(dir "${CMAKE_BINARY_DIR}/fuzzer-probe")
  file(MAKE_DIRECTORY "${dir}")
  file(WRITE "${dir}/probe.c"
       "#include <stddef.h>\n#include <stdint.h>\n"
       "int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { (void)data; (void)size; return 0; }\n")
  execute_process(
    COMMAND "${BT_CLANG}" -fsanitize=fuzzer,address,undefined "${dir}/probe.c" -o "${dir}/probe"
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(result EQUAL 0)
    set(${ok} TRUE PARENT_SCOPE)
    set(${why} "" PARENT_SCOPE)
  else()
    string(REGEX MATCH "cannot find [^\n]*" first "${output}")
    set(${ok} FALSE PARENT_SCOPE)
    set(${why} "${BT_CLANG} cannot link -fsanitize=fuzzer (${first}); apt-get install ${runtime}" PARENT_SCOPE)
  endif()
endfunction()
