# A tool the build needs stops the configure when it is missing, naming the Debian package that
# provides it, so a fresh machine gets a one-line answer instead of a failure later in the build.
function(bt_require_program var program package)
  find_program(${var} ${program})
  if(NOT ${var})
    message(FATAL_ERROR "${program} not found: apt-get install ${package}")
  endif()
endfunction()
