// Loads an XDF file with Debian's libxdf and writes what it found to a text file, for the
// BioTrain.Stream.Formats interop tests to compare with their own reader.
// Usage: libxdf_check IN.xdf OUT.txt   (libxdf prints its own chatter to stdout, so results go to a file)
// Output lines:
//   load <return code of load_xdf>
//   streams <count>
//   stream <index> <channel_format> <channel_count> <nominal_srate> <samples> <name>
//   s <stream index> <timestamp> <value per channel...>      numeric samples
//   e <stream index> <timestamp> <text>                        string events (eventMap)
#include <xdf.h>
#include <cstdio>
#include <string>

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s IN.xdf OUT.txt\n", argv[0]);
        return 2;
    }
    Xdf xdf;
    const int rc = xdf.load_xdf(argv[1]);
    std::FILE* out = std::fopen(argv[2], "w");
    if (!out) {
        return 3;
    }
    std::fprintf(out, "load %d\n", rc);
    std::fprintf(out, "streams %zu\n", xdf.streams.size());
    for (size_t i = 0; i < xdf.streams.size(); ++i) {
        const auto& s = xdf.streams[i];
        std::fprintf(out, "stream %zu %s %d %.17g %zu %s\n", i, s.info.channel_format.c_str(), s.info.channel_count,
                     s.info.nominal_srate, s.time_stamps.size(), s.info.name.c_str());
        if (s.info.channel_format == "string") {
            continue;
        }
        for (size_t k = 0; k < s.time_stamps.size(); ++k) {
            std::fprintf(out, "s %zu %.17g", i, s.time_stamps[k]);
            for (const auto& channel : s.time_series) {
                std::fprintf(out, " %.9g", k < channel.size() ? channel[k] : 0.0f);
            }
            std::fprintf(out, "\n");
        }
    }
    for (const auto& event : xdf.eventMap) {
        std::fprintf(out, "e %d %.17g %s\n", event.second, event.first.second, event.first.first.c_str());
    }
    std::fclose(out);
    return 0;
}
