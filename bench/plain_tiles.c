/* nsperf's tile transfers in plain C and MPI, the yardstick of the network optimizer's
   distinct-tile references (bench/vs_peers.py builds and runs it; not part of nsperf).

     mpirun -n 2 plain_tiles BYTES TILES REPETITIONS [warm]

   Rank 0 holds TILES distinct buffers of BYTES (the tiles), rank 1 as many receive buffers.
   Each pass starts as a pass of nsperf's shuffled rounds does: rank 1's buffers scrambled
   (memset) and both ranks' caches filled with other data (a 64 MiB buffer read), since other
   strategies run between two passes of one reference there; "warm" leaves both out, the
   tiles then stay in the cache from one pass to the next. Each repetition, after a barrier:
     ping-pong: every tile MPI_Send to rank 1, which MPI_Recv's it into its buffer and sends
                that buffer back; one-way latency = round trip / 2 (osu_latency's convention);
     stream:    the tiles MPI_Isend in windows of 64 into the distinct receive buffers
                (MPI_Irecv), then a one-byte ack (osu_bw's method over distinct buffers).
   Prints one JSON line of medians. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 64

static int ascending(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

/* Rank 1's buffers scrambled, and every cache line of `other` read: the tiles leave the cache. */
static void start_cold(int me, char** tile, int tiles, int n, const char* other, size_t bytes,
                       volatile char* sink) {
  if (me == 1)
    for (int i = 0; i < tiles; ++i) memset(tile[i], 0xa5, (size_t)n);
  for (size_t i = 0; i < bytes; i += 64) *sink += other[i];
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int me = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  if (argc != 4 && argc != 5) {
    if (me == 0) fprintf(stderr, "usage: mpirun -n 2 plain_tiles BYTES TILES REPETITIONS [warm]\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  const int n = atoi(argv[1]), tiles = atoi(argv[2]), reps = atoi(argv[3]);
  char** tile = malloc(sizeof(char*) * (size_t)tiles);
  for (int i = 0; i < tiles; ++i) {
    tile[i] = malloc((size_t)n);
    memset(tile[i], i + me, (size_t)n); /* touched: first touch is not the transfer */
  }
  char* back = malloc((size_t)n);
  memset(back, 0, (size_t)n);
  double* pp = malloc(sizeof(double) * (size_t)reps);
  double* st = malloc(sizeof(double) * (size_t)reps);
  MPI_Request req[WINDOW];
  char ack = 0;
  const int warm = argc > 4 && strcmp(argv[4], "warm") == 0;
  const size_t other_bytes = (size_t)64 << 20;
  char* other = malloc(other_bytes);
  memset(other, 1, other_bytes);
  volatile char sink = 0;
  for (int r = -2; r < reps; ++r) { /* two unmeasured repetitions first */
    if (!warm) start_cold(me, tile, tiles, n, other, other_bytes, &sink);
    MPI_Barrier(MPI_COMM_WORLD);
    double t = MPI_Wtime();
    for (int i = 0; i < tiles; ++i) {
      if (me == 0) {
        MPI_Send(tile[i], n, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
        MPI_Recv(back, n, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      } else {
        MPI_Recv(tile[i], n, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(tile[i], n, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
      }
    }
    t = MPI_Wtime() - t;
    if (r >= 0) pp[r] = t;
    if (!warm) start_cold(me, tile, tiles, n, other, other_bytes, &sink);
    MPI_Barrier(MPI_COMM_WORLD);
    t = MPI_Wtime();
    for (int i = 0; i < tiles; i += WINDOW) {
      const int k = tiles - i < WINDOW ? tiles - i : WINDOW;
      for (int j = 0; j < k; ++j) {
        if (me == 0)
          MPI_Isend(tile[i + j], n, MPI_BYTE, 1, 2, MPI_COMM_WORLD, &req[j]);
        else
          MPI_Irecv(tile[i + j], n, MPI_BYTE, 0, 2, MPI_COMM_WORLD, &req[j]);
      }
      MPI_Waitall(k, req, MPI_STATUSES_IGNORE);
    }
    if (me == 0)
      MPI_Recv(&ack, 1, MPI_BYTE, 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    else
      MPI_Send(&ack, 1, MPI_BYTE, 0, 3, MPI_COMM_WORLD);
    t = MPI_Wtime() - t;
    if (r >= 0) st[r] = t;
  }
  if (me == 0) {
    qsort(pp, (size_t)reps, sizeof(double), ascending);
    qsort(st, (size_t)reps, sizeof(double), ascending);
    const double p = pp[reps / 2], s = st[reps / 2];
    printf("{\"warm\": %d, \"bytes\": %d, \"tiles\": %d, \"ping_pong_latency_us\": %.3f, "
           "\"ping_pong_gbyte_per_s\": %.4f, \"stream_gbyte_per_s\": %.4f}\n",
           warm, n, tiles, p / tiles / 2 * 1e6, (double)n * tiles / (p / 2) / 1e9,
           (double)n * tiles / s / 1e9);
  }
  MPI_Finalize();
  return 0;
}
