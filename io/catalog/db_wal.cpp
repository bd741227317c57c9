// wal: batched, in write-ahead-log mode with synchronous=NORMAL. What it trades: a commit no
// longer waits for its own fsync (the WAL is synced at checkpoints), so after a power loss or an
// OS crash the most recent transactions may be gone; the database stays consistent, and an
// application crash loses nothing committed.
#include "db_rows.hpp"

namespace nsperf::io {
namespace {

class Wal final : public DbStrategy {
 public:
  [[nodiscard]] bool queries() const override { return false; }
  void insert(const std::filesystem::path& file, std::span<const DbRow> rows, int batch) override {
    detail::Connection db(file);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    detail::insert_batched(db, rows, batch);
    // Fold the log back into the database file, as the last connection's close would.
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
};

}  // namespace

NSPERF_REGISTER_DB_STRATEGY(Wal, "wal",
                            "batched, journal_mode=WAL, synchronous=NORMAL (recent commits may "
                            "be lost on power failure)",
                            false, balanced)

}  // namespace nsperf::io
