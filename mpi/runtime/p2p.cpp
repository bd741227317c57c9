#include "p2p.hpp"

#include <algorithm>
#include <string>

#include "nsperf/core/error.hpp"

namespace nsperf::mpi::p2p {

void check(int rc, const char* call) {
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw MpiError(std::string(call) + ": " + std::string(text, static_cast<std::size_t>(len)));
  }
}

void send_bytes(MPI_Comm comm, int dest, int tag, std::span<const std::byte> bytes) {
  for (std::size_t done = 0; done < bytes.size(); done += kMaxMessageBytes) {
    const auto n = static_cast<int>(std::min(kMaxMessageBytes, bytes.size() - done));
    check(MPI_Send(bytes.data() + done, n, MPI_BYTE, dest, tag, comm), "MPI_Send");
  }
}

void recv_bytes(MPI_Comm comm, int source, int tag, std::span<std::byte> bytes) {
  for (std::size_t done = 0; done < bytes.size(); done += kMaxMessageBytes) {
    const auto n = static_cast<int>(std::min(kMaxMessageBytes, bytes.size() - done));
    check(MPI_Recv(bytes.data() + done, n, MPI_BYTE, source, tag, comm, MPI_STATUS_IGNORE),
          "MPI_Recv");
  }
}

}  // namespace nsperf::mpi::p2p
