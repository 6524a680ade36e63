// TorchSharp 0.107's native glue (libLibTorchSharp.so) is built with GCC 13, whose <iostream>
// calls std::ios_base_library_init() (GLIBCXX_3.4.32) to construct the standard streams. Debian
// 12's libstdc++ (GCC 12) constructs them with std::ios_base::Init objects instead and has no such
// function. This library supplies it; patch_torchsharp.py makes the glue load it.
#include <ios>

namespace std {
void ios_base_library_init()
{
    static ios_base::Init streams;
}
}
