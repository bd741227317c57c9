// Generated platforms, and checking a user's, in SimGrid's XML format (docs/whatif.md).
#include <sstream>

#include "nsperf/sim/whatif.hpp"

namespace nsperf::sim {

std::string cluster_platform_xml(int nodes, int cores, double core_flops, Link between,
                                 Link within) {
  std::ostringstream x;
  x.precision(17);
  // A cluster: every node has its own link to one switch, full duplex; a message between two
  // nodes crosses both links (half the latency each), one within a node its loopback.
  x << "<?xml version='1.0'?>\n"
       "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
       "<platform version=\"4.1\">\n"
       "  <cluster id=\"nsperf\" prefix=\"node-\" suffix=\"\" radical=\"0-"
    << nodes - 1 << "\" speed=\"" << core_flops << "f\" core=\"" << cores << "\" bw=\""
    << between.bytes_per_s << "Bps\" lat=\"" << between.latency_s / 2 << "s\" loopback_bw=\""
    << within.bytes_per_s << "Bps\" loopback_lat=\"" << within.latency_s
    << "s\" sharing_policy=\"SPLITDUPLEX\"/>\n"
       "</platform>\n";
  return x.str();
}

std::string node_of_cores_platform_xml(int cores, double core_flops, Link within) {
  std::ostringstream x;
  x.precision(17);
  // Each core a host with its own link to the node's memory, half the latency each: a message
  // between two cores costs what one within a node does; one core to itself, its loopback.
  x << "<?xml version='1.0'?>\n"
       "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
       "<platform version=\"4.1\">\n"
       "  <cluster id=\"nsperf\" prefix=\"core-\" suffix=\"\" radical=\"0-"
    << cores - 1 << "\" speed=\"" << core_flops << "f\" core=\"1\" bw=\"" << within.bytes_per_s
    << "Bps\" lat=\"" << within.latency_s / 2 << "s\" loopback_bw=\"" << within.bytes_per_s
    << "Bps\" loopback_lat=\"" << within.latency_s
    << "s\" sharing_policy=\"SPLITDUPLEX\"/>\n"
       "</platform>\n";
  return x.str();
}

}  // namespace nsperf::sim
