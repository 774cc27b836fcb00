"""`sumbench run` with LLM systems against the local FAKE server: cache, dry run, keys, faults, budget, repeats."""

from __future__ import annotations

import hashlib
import json
import statistics
from pathlib import Path

import pytest

from harness.backends import retry
from harness.cli import main
from harness.testing.fake_server import FakeServer
from harness.testing.synthetic import write_synthetic_suite
from tests.paths import ROOT

SECRET = "sk-" + "e2e-SECRET-9f8e7d6c5b4a"  # a dummy; split so secret scanners do not flag it


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.setattr(retry, "SLEEP", lambda seconds: None)
    monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SYN_KEY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def server():
    with FakeServer() as srv:
        yield srv


def records(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()]


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def test_prompt_variants_on_seed_then_served_from_cache(server, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    assert main(["run", str(ROOT / "datasets" / "prompts"), "--out", str(tmp_path / "r1")]) == 0
    assert server.requests == 3
    first = {r["system"]: r for r in records(tmp_path / "r1")}
    assert set(first) == {"lead3", "mini-concise", "mini-bullets", "mini-one-sentence"}
    for variant in ("concise", "bullets", "one-sentence"):
        rec = first[f"mini-{variant}"]
        file_hash = hashlib.sha256((ROOT / "prompts" / f"{variant}.txt").read_bytes()).hexdigest()
        assert rec["prompt_sha256"] == file_hash
        assert rec["summary"].startswith("[fake]") and not rec["cached"] and rec["cost_usd"] > 0
    assert first["lead3"]["prompt_sha256"] is None

    assert main(["run", str(ROOT / "datasets" / "prompts"), "--out", str(tmp_path / "r2")]) == 0
    assert server.requests == 3  # the second run never reached the server
    second = {r["system"]: r for r in records(tmp_path / "r2")}
    for name in ("mini-concise", "mini-bullets", "mini-one-sentence"):
        assert second[name]["cached"] is True and second[name]["summary"] == first[name]["summary"]
    metrics = json.loads((tmp_path / "r2" / "metrics.json").read_text())
    assert metrics["systems"]["mini-concise"]["cached"] == 1


def test_fifty_synthetic_items_second_run_makes_no_request(server, tmp_path, capsys):
    suite = write_synthetic_suite(tmp_path / "ds", 50, base_url=server.base_url)
    assert main(["run", str(suite), "--out", str(tmp_path / "r1")]) == 0
    assert server.requests == 150
    assert main(["run", str(suite), "--out", str(tmp_path / "r2")]) == 0
    assert server.requests == 150
    recs = records(tmp_path / "r2")
    assert len(recs) == 150 and all(r["cached"] for r in recs)
    out = capsys.readouterr().out
    assert "50 of 50 records from cache" in out


def test_dry_run_counts_without_requesting(server, tmp_path, capsys):
    suite = write_synthetic_suite(tmp_path / "ds", 10, base_url=server.base_url, variants=("concise",))
    assert main(["run", str(suite), "--dry-run"]) == 0
    out = capsys.readouterr().out
    row = next(line.split() for line in out.splitlines() if line.startswith("concise"))
    assert row[1:4] == ["10", "10", "0"]  # pairs, requests, cached
    assert server.requests == 0 and not (tmp_path / "cache").exists()
    assert not Path("results").exists() or not any(Path("results").glob("*_synthetic_*"))
    assert main(["run", str(suite), "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    assert main(["run", str(suite), "--dry-run"]) == 0
    row = next(line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("concise"))
    assert row[1:4] == ["10", "0", "10"]
    assert server.requests == 10


def test_no_cache_flag_requests_again_and_writes_nothing(server, tmp_path):
    suite = write_synthetic_suite(tmp_path / "ds", 3, base_url=server.base_url, variants=("concise",))
    for n in (1, 2):
        assert main(["run", str(suite), "--no-cache", "--out", str(tmp_path / f"r{n}")]) == 0
    assert server.requests == 6 and not (tmp_path / "cache").exists()
    assert not any(r["cached"] for r in records(tmp_path / "r2"))


def test_missing_key_skips_llm_systems_unless_strict(tmp_path, capsys):
    assert main(["run", str(ROOT / "datasets" / "prompts"), "--out", str(tmp_path / "r")]) == 0
    err = capsys.readouterr().err
    assert "system 'mini-concise' skipped: $OPENAI_API_KEY is not set" in err
    assert [r["system"] for r in records(tmp_path / "r")] == ["lead3"]
    assert set(manifest(tmp_path / "r")["skipped"]) == {"mini-concise", "mini-bullets", "mini-one-sentence"}
    assert main(["run", str(ROOT / "datasets" / "prompts"), "--strict", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "suite.toml:" in err[0] and "OPENAI_API_KEY" in err[0]
    assert not (tmp_path / "s").exists()


def test_twenty_percent_faults_every_record_settles_and_no_key_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("SYN_KEY", SECRET)
    faults = ("429", "500", "503", "malformed", "drop", "hang")
    with FakeServer(fault_rate=0.2, fault_kinds=faults, seed=7, hang_seconds=3, require_key=SECRET) as srv:
        suite = write_synthetic_suite(tmp_path / "ds", 50, base_url=srv.base_url,
                                      extra='api_key_env = "SYN_KEY"\ntimeout = 0.3\nmax_attempts = 4')
        code = main(["run", str(suite), "--out", str(tmp_path / "r"), "--concurrency", "16"])
        outcomes = dict(srv.outcomes)
    recs = records(tmp_path / "r")
    assert sorted((r["item_id"], r["system"]) for r in recs) == sorted(
        (f"syn-{i:04d}", v) for i in range(50) for v in ("concise", "bullets", "one-sentence"))
    assert all((r["summary"] is None) != (r["error"] is None) for r in recs)
    n_errors = sum(r["error"] is not None for r in recs)
    assert sum(outcomes.get(k, 0) for k in faults) > 0.1 * sum(outcomes.values())  # faults really happened
    # every fault kind is retried now (a cut-off body too): what fails, fails after its attempts
    assert n_errors <= 5 and all("attempts" in r["error"] for r in recs if r["error"])
    assert code == (1 if n_errors else 0)  # errors beyond the suite's error budget (0)
    assert manifest(tmp_path / "r")["status"] == "complete"
    written = [p for d in (tmp_path / "r", tmp_path / "cache") for p in d.rglob("*") if p.is_file()]
    assert len(written) > 100
    for p in written:
        assert SECRET not in p.read_text(encoding="utf-8", errors="replace"), p


def test_max_cost_stops_cleanly_and_resume_finishes(server, tmp_path, capsys):
    suite = write_synthetic_suite(tmp_path / "ds", 20, base_url=server.base_url, variants=("concise",))
    code = main(["run", str(suite), "--out", str(tmp_path / "r"), "--concurrency", "1", "--max-cost", "0.0001"])
    assert code == 1
    assert "--max-cost" in capsys.readouterr().err
    partial = records(tmp_path / "r")
    spent = sum(r["cost_usd"] for r in partial)
    assert 0 < len(partial) < 20 and spent >= 0.0001
    # it stopped soon after crossing the budget: after the record that crossed it, only requests
    # already started or queued (at most 2 x --concurrency) were recorded
    assert sum(r["cost_usd"] for r in partial[:-3]) < 0.0001
    m = manifest(tmp_path / "r")
    assert m["status"] == "interrupted" and not (tmp_path / "r" / "metrics.json").exists()
    assert main(["run", "--resume", str(tmp_path / "r"), "--max-cost", "1"]) == 0
    recs = records(tmp_path / "r")
    assert sorted(r["item_id"] for r in recs) == [f"syn-{i:04d}" for i in range(20)]
    assert server.requests == 20  # nothing finished was requested again
    assert manifest(tmp_path / "r")["status"] == "complete"


def test_repeats_sample_average_and_report_spread(server, tmp_path):
    suite = write_synthetic_suite(tmp_path / "ds", 5, base_url=server.base_url, variants=("concise",),
                                  extra="repeats = 3\ntemperature = 1.0\nseed = 1")
    assert main(["run", str(suite), "--out", str(tmp_path / "r")]) == 0
    assert server.requests == 15
    recs = records(tmp_path / "r")
    assert len(recs) == 5
    for r in recs:
        assert len(r["samples"]) == 3
        r1 = [s["scores"]["rouge1"] for s in r["samples"]]
        assert r["scores"]["rouge1"] == pytest.approx(statistics.fmean(r1))
        assert r["spread"]["rouge1"] == pytest.approx(statistics.stdev(r1))
        assert r["summary"] == r["samples"][0]["summary"]
    assert any(r["spread"]["rouge1"] > 0 for r in recs)  # the samples did differ
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())["systems"]["concise"]
    assert m["samples_per_item"] == 3
    assert m["spread"]["rouge1"] == pytest.approx(statistics.fmean(r["spread"]["rouge1"] for r in recs), abs=1e-6)
    assert main(["run", str(suite), "--out", str(tmp_path / "r2")]) == 0
    assert server.requests == 15  # every sample has its own cache entry


def test_repeats_on_a_deterministic_backend_is_a_config_error(tmp_path, write, capsys):
    write("ds/suite.toml", 'name = "x"\nitems = "i/*.toml"\n[[systems]]\nname = "l"\nbackend = "lead"\nrepeats = 2\n')
    write("ds/i/a.toml", 'id = "a"\narticle = "One. Two. Three."\nreferences = ["One."]\n')
    assert main(["run", str(tmp_path / "ds"), "--out", str(tmp_path / "r")]) == 2
    assert "cannot draw different samples" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_resume_refuses_complete_and_changed_runs(server, tmp_path, capsys):
    suite = write_synthetic_suite(tmp_path / "ds", 3, base_url=server.base_url, variants=("concise",))
    assert main(["run", str(suite), "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    assert main(["run", "--resume", str(tmp_path / "r")]) == 2
    assert "already complete" in capsys.readouterr().err
    m = manifest(tmp_path / "r")
    m["status"] = "interrupted"
    (tmp_path / "r" / "manifest.json").write_text(json.dumps(m))
    suite.write_text(suite.read_text() + "\n# edited\n")
    assert main(["run", "--resume", str(tmp_path / "r")]) == 2
    assert "changed since this run started" in capsys.readouterr().err


@pytest.mark.parametrize("prompt, extra, where, words", [
    ("---\ntemprature = 1\n---\nSum {article}\n", "", "p.txt:2: ", "temprature"),
    ("Sum it up.\n", "", "p.txt:1: ", "no {article} placeholder"),
    ("Sum {article}\n", 'base_url = "localhost:8000"', "suite.toml:", "not an http(s) URL"),
    ("Sum {article}\n", 'modle = "x"', "suite.toml:", "unknown option 'modle'"),
    ("Sum {article}\n", 'price = { input = -1, output = 0 }', "suite.toml:", "price.input"),
])
def test_llm_config_errors_are_one_located_line(tmp_path, write, capsys, prompt, extra, where, words):
    write("ds/p.txt", prompt)
    write("ds/suite.toml", 'name = "b"\nitems = "i.jsonl"\n[[systems]]\nname = "x"\nbackend = "openai"\n'
                           f'model = "m"\nprompt = "p.txt"\n{extra}\n')
    write("ds/i.jsonl", '{"id": "a", "article": "One. Two.", "references": "One."}\n')
    assert main(["run", str(tmp_path / "ds"), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and where in err[0] and words in err[0], err
    assert " — " in err[0] and not (tmp_path / "r").exists()


def test_failed_call_still_records_prompt_hash(tmp_path, write):
    write("ds/p.txt", "Sum {article}\n")
    write("ds/suite.toml", 'name = "b"\nitems = "i.jsonl"\n[[systems]]\nname = "x"\nbackend = "openai"\n'
                           'model = "m"\nprompt = "p.txt"\nbase_url = "http://127.0.0.1:9/v1"\nmax_attempts = 1\n')
    write("ds/i.jsonl", '{"id": "a", "article": "One. Two.", "references": "One."}\n')
    assert main(["run", str(tmp_path / "ds"), "--out", str(tmp_path / "r")]) == 1
    (rec,) = records(tmp_path / "r")
    assert rec["summary"] is None and rec["error"].startswith("connection to http://127.0.0.1:9/v1")  # a sentence
    assert rec["prompt_sha256"] == hashlib.sha256(b"Sum {article}\n").hexdigest()


def test_resume_uses_the_runs_own_cache_folder(server, tmp_path):
    suite = write_synthetic_suite(tmp_path / "ds", 6, base_url=server.base_url, variants=("concise",))
    own = tmp_path / "own-cache"
    code = main(["run", str(suite), "--out", str(tmp_path / "r"), "--cache-dir", str(own), "--concurrency", "1",
                 "--max-cost", "0.00005"])
    assert code == 1 and server.requests < 6
    # the answers are in the run's own cache; a later resume without --cache-dir still finds them
    m = manifest(tmp_path / "r")
    assert m["cache"] == {"enabled": True, "dir": str(own)}
    first = server.requests
    assert main(["run", "--resume", str(tmp_path / "r"), "--max-cost", "1"]) == 0
    assert server.requests == 6 and first < 6
    assert not (tmp_path / "cache").exists()  # the default cache was not used


def test_list_prompts_shows_descriptions(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["list", "prompts"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "Four short bullet points" in rows["prompts/bullets.txt"]
    assert {"prompts/concise.txt", "prompts/one-sentence.txt"} <= set(rows)


def test_demo_prompt_variant_suite_runs_against_the_fake_server(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    out = tmp_path / "r"
    assert main(["run", str(ROOT / "datasets" / "demo-prompts"), "--limit", "2", "--out", str(out)]) == 0
    assert server.requests == 2 * 3  # two demo articles x three prompt variants
    recs = records(out)
    assert sorted({r["system"] for r in recs}) == ["lead3", "mini-bullets", "mini-concise", "mini-one-sentence",
                                                    "textrank"]
    assert len(recs) == 2 * 5 and all(r["error"] is None for r in recs)
    assert all("faithfulness.score" in r["scores"] and "checklist.recall" in r["scores"] for r in recs)
    capsys.readouterr()
    assert main(["compare", str(out), "--a", "mini-concise", "--b", "mini-bullets", "--metric", "rougeLsum"]) == 0
    assert "rougeLsum" in capsys.readouterr().out


def test_demo_prompt_variant_suite_without_key_runs_the_baselines(tmp_path):
    out = tmp_path / "r"
    assert main(["run", str(ROOT / "datasets" / "demo-prompts"), "--limit", "1", "--out", str(out)]) == 0
    assert sorted(r["system"] for r in records(out)) == ["lead3", "textrank"]
