"""nsperf's metrics against a real Prometheus stack (monitoring/local-stack: Debian's
prometheus, prometheus-pushgateway and prometheus-node-exporter on loopback ports, started and
stopped here): pushed, scraped and textfile metrics arrive with the values of the results files,
the rules' PromQL runs, and faults only warn. ctest label: monitoring."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request

import h5py

from nsperf_testing import SOURCE_DIR, TempDirTest, run

STACK = os.path.join(SOURCE_DIR, "monitoring", "local-stack")
RULES = os.path.join(SOURCE_DIR, "monitoring", "nsperf-rules.yml")
DASHBOARD = os.path.join(SOURCE_DIR, "monitoring", "grafana-dashboard.json")
QUIET = ["--no-progress", "--force"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exposed(value):
    """A float64 as the text exposition carries it (prometheus-cpp 1.0: %.16g)."""
    return float(f"{float(value):.16g}")


def attrs_of(group):
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in group.attrs.items()}


class Monitoring(TempDirTest):
    @classmethod
    def setUpClass(cls):
        for tool in ("prometheus", "prometheus-pushgateway", "prometheus-node-exporter"):
            if shutil.which(tool) is None:
                raise unittest.SkipTest(f"{tool} is not installed here; scripts/install-deps "
                                        "installs prometheus, prometheus-pushgateway and "
                                        "prometheus-node-exporter")
        cls.scratch = tempfile.mkdtemp(prefix="nsperf_monitoring_")
        # A listening run scraped twice a second, to be seen several times in its few seconds;
        # the Pushgateway and node_exporter every 2 s, each scrape allowed as long (a busy CI
        # machine). The stack stops itself should this process be killed before tearDownClass.
        cls.env = dict(os.environ, NSPERF_MONITORING_DIR=os.path.join(cls.scratch, "stack"),
                       NSPERF_SCRAPE_INTERVAL="2s", NSPERF_LISTEN_SCRAPE_INTERVAL="500ms",
                       NSPERF_MONITORING_OWNER_PID=str(os.getpid()))
        r = subprocess.run([STACK, "start"], env=cls.env, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            shutil.rmtree(cls.scratch, ignore_errors=True)
            raise AssertionError(f"local-stack start failed:\n{r.stdout}\n{r.stderr}")
        for line in r.stdout.splitlines():
            if line.startswith("export "):
                key, value = line[len("export "):].split("=", 1)
                setattr(cls, key.lower(), value)
        # The address a listening run will serve, known to Prometheus from the start: found
        # and scraped (failing until then) before the run begins.
        cls.listen_port = free_port()
        with open(os.path.join(cls.targets_dir, "nsperf.json"), "w") as f:
            json.dump([{"targets": [f"127.0.0.1:{cls.listen_port}"]}], f)

    @classmethod
    def tearDownClass(cls):
        subprocess.run([STACK, "stop"], env=cls.env, capture_output=True, timeout=60)
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def query(self, promql):
        url = self.prometheus_url + "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        with urllib.request.urlopen(url, timeout=10) as r:
            answer = json.load(r)
        self.assertEqual(answer["status"], "success", answer)
        return answer["data"]["result"]

    def wait_for(self, promql, count=1, timeout=60):
        """The query's series once at least `count` are there (Prometheus scrapes every 2 s)."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(promql)
            if len(result) >= count or time.monotonic() > deadline:
                self.assertGreaterEqual(len(result), count, f"{promql}: {result}\n{self.diagnosis()}")
                return result
            time.sleep(0.5)

    def diagnosis(self):
        """The scrape targets' health and the servers' last log lines, for a failure message."""
        text = ""
        try:
            with urllib.request.urlopen(self.prometheus_url + "/api/v1/targets", timeout=10) as r:
                for t in json.load(r)["data"]["activeTargets"]:
                    text += (f"target {t['labels'].get('job')} {t['scrapeUrl']}: {t['health']} "
                             f"{t.get('lastError', '')} ({t.get('lastScrapeDuration')} s)\n")
        except OSError as e:
            text += f"targets: {e}\n"
        logs = os.path.join(self.env["NSPERF_MONITORING_DIR"], "log")
        for name in sorted(os.listdir(logs)) if os.path.isdir(logs) else []:
            with open(os.path.join(logs, name), errors="replace") as f:
                text += f"--- {name}\n" + "".join(f.readlines()[-10:])
        return text

    def values(self, promql, key, count=1):
        """{series[key]: value} of the query's series."""
        return {s["metric"].get(key): float(s["value"][1]) for s in self.wait_for(promql, count)}

    def test_a_pushed_benchmark_arrives_with_the_results_files_figures(self):
        out = self.path("b.h5")
        r = run(["benchmark", "--cpu", "--synthetic", "256x256", "--tile", "128", "-r", "3", "-w", "0",
                 "--set", "optimizers.cpu.strategies=scalar,fused", "-o", out,
                 "--metrics-push", self.pushgateway_url] + QUIET, ranks=2)
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("warning: --metrics", r.err, self.diagnosis())
        with h5py.File(out) as f:
            run_id = sorted(f["runs"])[-1]
            summary = f["runs"][run_id]["summary"][:]
        rows = [s for s in summary if s["strategy"] == b"fused"]
        self.assertTrue(rows, "no fused rows in the summary")
        where = f'run_id="{run_id}",job="nsperf",strategy="fused"'
        medians = self.values(f"nsperf_benchmark_median_seconds{{{where}}}", "kernel", len(rows))
        speedups = self.values(f"nsperf_benchmark_speedup_ratio{{{where}}}", "kernel", len(rows))
        for s in rows:
            kernel = s["kernel"].decode()
            # Exactly the stored float64 as prometheus-cpp 1.0 writes it: 16 significant digits.
            self.assertEqual(medians[kernel], exposed(s["median_s"]), kernel)
            self.assertEqual(speedups[kernel], exposed(s["speedup"]), kernel)
        labels = self.wait_for(f'nsperf_exit_code{{run_id="{run_id}"}}')[0]["metric"]
        self.assertEqual(labels["command"], "benchmark")
        self.assertEqual(labels["ranks"], "2")
        self.assertEqual(labels["instance"], socket.gethostname())

    def test_a_pushed_run_arrives_with_its_outputs_figures(self):
        out = self.path("o.h5")
        r = run(["run", "--synthetic", "640x480", "--tile", "160", "-o", out,
                 "--metrics-push", self.pushgateway_url] + QUIET, ranks=2)
        self.assertEqual(r.code, 0, r)
        with h5py.File(out) as f:
            top = attrs_of(f)
            run_id = attrs_of(f["provenance"])["run_id"]
            tiles = len(f["tiles"])
            ranks = f["ranks"][:]
        where = f'run_id="{run_id}",job="nsperf"'
        self.assertEqual(self.values(f"nsperf_run_tiles{{{where}}}", "run_id"), {run_id: tiles})
        self.assertEqual(self.values(f"nsperf_run_written_bytes{{{where}}}", "run_id"),
                         {run_id: 640 * 480 * 5})
        self.assertEqual(self.values(f"nsperf_run_threshold_bin{{{where}}}", "run_id"),
                         {run_id: top["threshold"]})
        self.assertEqual(self.values(f"nsperf_run_negative_space_ratio{{{where}}}", "run_id"),
                         {run_id: exposed(top["negative_space_fraction"])})
        writes = self.values(f'nsperf_run_stage_seconds{{{where},stage="write"}}', "rank", 2)
        self.assertEqual(writes, {str(x["rank"]): exposed(x["write_s"]) for x in ranks})
        # nsperf export turns the stored output into the same text, series for series.
        exported = run(["export", out, "--format", "prometheus"])
        self.assertEqual(exported.code, 0, exported)
        self.assertIn(f'nsperf_run_tiles{{command="run",', exported.out)
        self.assertIn(f'run_id="{run_id}",threads="1"}} {tiles}\n', exported.out)

    def test_a_textfile_is_read_by_node_exporter(self):
        textfile = os.path.join(self.textfile_dir, "nsperf.prom")
        r = run(["run", "--synthetic", "256x256", "--tile", "128", "-o", self.path("o.h5"),
                 "--metrics-file", textfile] + QUIET, ranks=2)
        self.assertEqual(r.code, 0, r)
        with h5py.File(self.path("o.h5")) as f:
            run_id = attrs_of(f["provenance"])["run_id"]
        self.assertEqual(self.values(f'nsperf_run_tiles{{run_id="{run_id}",job="node"}}', "run_id"),
                         {run_id: 4})
        self.assertEqual([n for n in os.listdir(self.textfile_dir) if n.endswith(".tmp")], [])

    def test_tiles_are_counted_across_1_to_4_ranks(self):
        # Rank 0 learns every rank's tiles as they go (a message per tile); whatever the rank
        # count, the job ends with every message received and the count complete (the final
        # value is rank 0's count, not the plan's).
        for ranks in (1, 3, 4):
            with self.subTest(ranks=ranks):
                textfile = self.path(f"r{ranks}.prom")
                r = run(["run", "--synthetic", "1000x600", "--tile", "100", "-o", self.path("o.h5"),
                         "--metrics-file", textfile] + QUIET, ranks=ranks, timeout=120)
                self.assertEqual(r.code, 0, r)
                with open(textfile) as f:
                    lines = [l for l in f if l.startswith("nsperf_run_tiles_done{")]
                self.assertEqual(len(lines), 1, lines)
                self.assertTrue(lines[0].rstrip().endswith(" 60"), lines)

    def test_a_job_of_many_images_counts_them_by_status(self):
        import numpy as np
        images = []
        for name in ("a", "b"):
            path = self.path(f"{name}.h5")
            with h5py.File(path, "w") as f:
                f["img"] = (np.arange(300 * 400) % 251).astype("u1").reshape(300, 400)
            images += ["--image", f"{path}:/img"]
        images += ["--image", self.path("absent.h5") + ":/img"]  # fails, the others go on
        textfile = self.path("many.prom")
        r = run(["run"] + images + ["--output-dir", self.path("out"), "--no-progress",
                                    "--metrics-file", textfile], ranks=2)
        self.assertEqual(r.code, 1, r)
        with open(textfile) as f:
            lines = [l for l in f.read().splitlines() if not l.startswith("#")]
        by_status = {l.split('status="')[1].split('"')[0]: float(l.split()[-1])
                     for l in lines if l.startswith("nsperf_run_images{")}
        self.assertEqual(by_status, {"ok": 2, "failed": 1})
        self.assertIn(1.0, [float(l.split()[-1]) for l in lines if l.startswith("nsperf_exit_code{")])
        done = [l for l in lines if l.startswith("nsperf_progress_done{")]
        self.assertEqual(len(done), 1, lines)
        self.assertIn('unit="images"', done[0])
        self.assertTrue(done[0].endswith(" 3"), done)

    def test_a_stopped_run_publishes_its_exit_code(self):
        # Rank 1 raises SIGTERM before its third tile: the run writes what it has, exits 3, and
        # its textfile says so (with the tiles done by then).
        textfile = self.path("stopped.prom")
        r = run(["run", "--synthetic", "1024x1024", "--tile", "128", "-o", self.path("o.h5"),
                 "--metrics-file", textfile] + QUIET, ranks=2,
                env={"NSPERF_FAULT": "rank:1,tile:2,signal:TERM"})
        self.assertEqual(r.code, 3, r)
        with open(textfile) as f:
            text = f.read()
        exits = [l for l in text.splitlines() if l.startswith("nsperf_exit_code{")]
        self.assertEqual(len(exits), 1, text)
        self.assertTrue(exits[0].endswith(" 3"), exits)
        done = [l for l in text.splitlines() if l.startswith("nsperf_run_tiles_done{")]
        self.assertEqual(len(done), 1, text)
        self.assertLess(float(done[0].split()[-1]), 64)

    def test_a_listening_run_is_scraped_while_it_runs(self):
        self.wait_for(f'up{{job="nsperf",instance="127.0.0.1:{self.listen_port}"}}')
        out = self.path("o.h5")
        # A pipeline of a few seconds: the scalar strategy on 384 tiles of 12288x8192.
        r = run(["run", "--synthetic", "12288x8192", "--tile", "512", "--strategy", "scalar",
                 "-o", out, "--metrics-listen", str(self.listen_port)] + QUIET, ranks=2, timeout=300)
        self.assertEqual(r.code, 0, r)
        with h5py.File(out) as f:
            run_id = attrs_of(f["provenance"])["run_id"]
        for metric in ("nsperf_run_tiles_done", "nsperf_progress_done"):
            samples = self.wait_for(f'{metric}{{run_id="{run_id}",job="nsperf"}}[10m]')
            seen = [float(v) for _, v in samples[0]["values"]]
            self.assertGreaterEqual(len(set(seen)), 2, f"{metric} as Prometheus saw it: {seen}")
            self.assertEqual(seen, sorted(seen), f"{metric} went back: {seen}")
            if metric == "nsperf_run_tiles_done":
                self.assertLessEqual(max(seen), 384)

    def test_every_rule_evaluates_to_data(self):
        subprocess.run(["promtool", "check", "rules", RULES], check=True, capture_output=True)
        # The site configuration shipped beside it (it names the rules file next to it).
        subprocess.run(["promtool", "check", "config", os.path.join(SOURCE_DIR, "monitoring", "prometheus.yml")],
                       check=True, capture_output=True)
        # Two pushed runs of one benchmark, then every expression of the rules file.
        for _ in range(2):
            r = run(["benchmark", "--cpu", "--synthetic", "256x256", "--tile", "128", "-r", "3",
                     "-w", "0", "--set", "optimizers.cpu.strategies=scalar,fused", "-o", self.path("b.h5"),
                     "--metrics-push", self.pushgateway_url] + QUIET, ranks=2)
            self.assertEqual(r.code, 0, r)
        import yaml
        with open(RULES) as f:
            rules = [rule for g in yaml.safe_load(f)["groups"] for rule in g["rules"]]
        self.assertTrue(rules)
        for rule in rules:
            name = rule.get("record") or rule.get("alert")
            if name == "NsperfBenchmarkSlowdown" or name == "NsperfCheckFailed":
                # An alert's expression holds only when something is wrong: its parts must.
                self.wait_for(rule["expr"].split(">")[0].split("==")[0].strip())
            else:
                self.wait_for(rule["expr"])
            if "record" in rule:
                self.wait_for(rule["record"])

    def test_the_dashboards_queries_return_data(self):
        with open(DASHBOARD) as f:
            dashboard = json.load(f)
        # Grafana's dashboard JSON model: the fields an import needs.
        for key in ("title", "uid", "schemaVersion", "panels", "templating", "time"):
            self.assertIn(key, dashboard)
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        self.assertEqual(set(variables), {"datasource", "host", "command", "strategy"})
        self.assertEqual(variables["datasource"]["type"], "datasource")
        panels = dashboard["panels"]
        self.assertTrue(panels)
        self.assertEqual(len({p["id"] for p in panels}), len(panels), "panel ids repeat")
        for p in panels:
            self.assertTrue({"id", "type", "title", "gridPos", "targets", "datasource"} <= set(p), p)
            self.assertTrue({"x", "y", "w", "h"} <= set(p["gridPos"]), p)
            self.assertTrue(p["targets"], p["title"])
            for t in p["targets"]:
                self.assertTrue({"refId", "expr"} <= set(t), t)
        # Data for every query: a benchmark (the distributed optimizer measures imbalance), twice
        # (the slowdown rule needs runs to compare), and a run.
        for _ in range(2):
            r = run(["benchmark", "--cpu", "--distributed", "--synthetic", "256x256", "--tile", "64",
                     "-r", "3", "-w", "0", "-o", self.path("b.h5"),
                     "--metrics-push", self.pushgateway_url] + QUIET, ranks=2)
            self.assertEqual(r.code, 0, r)
        r = run(["run", "--synthetic", "512x512", "--tile", "128", "-o", self.path("o.h5"),
                 "--metrics-push", self.pushgateway_url] + QUIET, ranks=2)
        self.assertEqual(r.code, 0, r)
        for name in ("host", "command", "strategy"):
            query = variables[name]["query"]["query"]  # label_values(METRIC, LABEL)
            metric, label = query[len("label_values("):-1].split(", ")
            url = (f"{self.prometheus_url}/api/v1/label/{label}/values?"
                   + urllib.parse.urlencode({"match[]": metric}))
            deadline = time.monotonic() + 30
            while True:
                with urllib.request.urlopen(url, timeout=10) as answer:
                    values = json.load(answer)["data"]
                if values or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            self.assertTrue(values, f"variable {name}: {query} has no values")
        for p in panels:
            for t in p["targets"]:
                with self.subTest(panel=p["title"], ref=t["refId"]):
                    expr = t["expr"]
                    for name in ("host", "command", "strategy"):
                        expr = expr.replace(f"${name}", ".*")
                    self.wait_for(expr)

    def test_faults_warn_and_bad_options_stop_before_any_work(self):
        small = ["run", "--synthetic", "256x256", "--tile", "128", "-o", self.path("o.h5")] + QUIET
        # A Pushgateway stopped (nothing listens), answering 500, or never answering.
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts, never answers
        failing = socket.socket()
        failing.bind(("127.0.0.1", 0))
        failing.listen(8)

        def answer_500():
            while True:
                try:
                    c, _ = failing.accept()
                except OSError:
                    return
                c.recv(65536)
                c.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                          b"Connection: close\r\n\r\n")
                c.close()

        threading.Thread(target=answer_500, daemon=True).start()
        cases = {
            f"http://127.0.0.1:{free_port()}": "cannot reach it",
            f"http://127.0.0.1:{failing.getsockname()[1]}": "answered HTTP 500",
            f"http://127.0.0.1:{silent.getsockname()[1]}": "no answer within 10 s",
        }
        try:
            for url, why in cases.items():
                with self.subTest(url=url):
                    r = run(small + ["--metrics-push", url], ranks=2, timeout=60)
                    self.assertEqual(r.code, 0, r)
                    self.assertEqual(r.err.count("warning: --metrics-push"), 1, r)
                    self.assertIn(why, r.err)
                    self.assertTrue(os.path.exists(self.path("o.h5")))
        finally:
            silent.close()
            failing.close()
        # Bad options: exit 2 before any work, naming the option.
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        unwritable = self.path("no-such-folder", "x.prom")
        try:
            for args, names in ((["--metrics-push", "gateway:9091"], "--metrics-push gateway:9091"),
                                (["--metrics-listen", str(busy.getsockname()[1])], "--metrics-listen"),
                                (["--metrics-file", unwritable], "--metrics-file"),
                                (["--metrics-file", self.path("x.txt")], "*.prom"),
                                (["--metrics-interval", "5"], "--metrics-interval")):
                with self.subTest(args=args):
                    os.remove(self.path("o.h5")) if os.path.exists(self.path("o.h5")) else None
                    r = run(small + args, ranks=2, timeout=60)
                    self.assertEqual(r.code, 2, r)
                    self.assertIn(names, r.err + r.out)
                    self.assertFalse(os.path.exists(self.path("o.h5")), "work was done")
        finally:
            busy.close()


if __name__ == "__main__":
    unittest.main()
