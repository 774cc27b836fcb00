"""The CLI in-process: the seed run, malformed inputs, list/lint/report."""

import json
import shutil

import pytest

from harness.cli import main
from tests.paths import SEED_SUITE


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "seed"
    code = main(["run", str(SEED_SUITE), "--out", str(out)])
    return code, out


def test_seed_run_writes_a_complete_run_folder(seed_run):
    code, out = seed_run
    assert code == 0
    assert {p.name for p in out.iterdir()} >= {"manifest.json", "metrics.json", "records.jsonl", "report.md"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["duplicates"]["items"] == {"putin-moscow-talks": "paragraphs 8-13 repeat paragraphs 2-7"}
    assert manifest["scoring"]["rouge"]["use_stemmer"] is True
    assert manifest["scoring"]["rouge"]["types"] == ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    assert manifest["versions"]["rouge-score"]
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert sorted(r["system"] for r in records) == ["lead3", "oracle", "textrank"]
    for r in records:
        assert r["error"] is None and r["duplicates_removed"] == [8, 9, 10, 11, 12, 13]
        assert {"rouge1", "rougeLsum", "checklist.recall", "length.words"} <= set(r["scores"])
    by_sys = {r["system"]: r for r in records}
    # the de-duplicated article has 14 sentences; lead-3 is its first three
    assert by_sys["lead3"]["summary"].splitlines()[0].startswith("Russia appears ready to engage in war")
    assert by_sys["oracle"]["scores"]["rougeLsum"] >= by_sys["lead3"]["scores"]["rougeLsum"]


def test_metrics_json_means_match_records(seed_run):
    _, out = seed_run
    metrics = json.loads((out / "metrics.json").read_text())
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    for r in records:
        m = metrics["systems"][r["system"]]["metrics"]["rougeLsum"]
        assert m["n"] == 1 and m["mean"] == pytest.approx(r["scores"]["rougeLsum"])
        assert m["ci_low"] == m["ci_high"] == pytest.approx(m["mean"])


def test_run_prints_table_and_folder(tmp_path, capsys):
    assert main(["run", str(SEED_SUITE), "--out", str(tmp_path / "r"), "--system", "lead3"]) == 0
    out, err = capsys.readouterr()
    assert "lead3" in out and "rougeLsum" in out and "checklist.recall" in out and "length.words" in out
    assert "textrank" not in out
    assert f"run folder: {tmp_path / 'r'}" in out
    assert "paragraphs 8-13 repeat paragraphs 2-7" in err


def test_keep_duplicates_scores_the_raw_article(tmp_path):
    assert main(["run", str(SEED_SUITE), "--out", str(tmp_path / "r"), "--system", "lead3",
                 "--keep-duplicates"]) == 0
    (rec,) = [json.loads(x) for x in (tmp_path / "r" / "records.jsonl").read_text().splitlines()]
    assert rec["duplicates_removed"] == []
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["duplicates"]["policy"] == "keep"


def _copy_seed(tmp_path):
    ds = tmp_path / "ds"
    shutil.copytree(SEED_SUITE, ds)
    item = ds / "items" / "putin-moscow-talks.toml"
    text = item.read_text().replace("../../../seeds/", str(SEED_SUITE.parents[1] / "seeds") + "/")
    item.write_text(text)
    return ds, ds / "suite.toml", item


@pytest.mark.parametrize("target, old, new, fragment", [
    ("suite", 'backend = "lead"', 'backend = "leed"', "unknown backend 'leed'"),
    ("suite", "sentences = 3\n", "sentences = 3\nsentnces = 2\n", "unknown option 'sentnces'"),
    ("suite", 'name = "seed"', 'name = "seed"\nitems_glob = "x"', "unknown key 'items_glob'"),
    ("suite", 'scorers = ["rouge"', 'scorers = ["rogue"', "unknown scorer 'rogue'"),
    ("item", "patterns = ['\\bmoscow\\b']", "patterns = ['(moscow']", "invalid regular expression"),
    ("item", 'id = "putin-moscow-talks"', 'id = "putin-moscow-talks"\nid = "again"', "invalid TOML"),
    ("item", 'article_file = "', 'article_file = "missing/', "not found"),
    ("item", "references = [", "refs = [", "unknown key 'refs'"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, target, old, new, fragment):
    ds, suite, item = _copy_seed(tmp_path)
    path = suite if target == "suite" else item
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    out_dir = tmp_path / "out"
    assert main(["run", str(ds), "--out", str(out_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"error: {path}:")
    assert fragment in err and " — " in err and "Traceback" not in err
    assert not out_dir.exists()


def test_unknown_system_lists_known(tmp_path, capsys):
    assert main(["run", str(SEED_SUITE), "--system", "gpt", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "unknown system 'gpt'" in err and "lead3, textrank, oracle" in err


def test_limit_and_usage_errors(tmp_path, capsys):
    assert main(["run", str(SEED_SUITE), "--limit", "0"]) == 2
    assert main(["run"]) == 2
    assert main(["run", str(tmp_path / "nope")]) == 2
    assert "suite not found" in capsys.readouterr().err


def test_out_folder_must_be_new(tmp_path, capsys):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "x").write_text("keep me")
    assert main(["run", str(SEED_SUITE), "--out", str(tmp_path / "o")]) == 2
    assert (tmp_path / "o" / "x").read_text() == "keep me"


def test_lint_exit_codes(tmp_path, capsys):
    assert main(["lint", str(SEED_SUITE)]) == 1
    out = capsys.readouterr().out
    assert "paragraphs 8-13 repeat paragraphs 2-7" in out
    ds, _, item = _copy_seed(tmp_path)
    art = tmp_path / "clean.txt"
    from harness.core.text import remove_duplicate_paragraphs
    art.write_text(remove_duplicate_paragraphs((SEED_SUITE.parents[1] / "seeds" / "000_37deaf7060d2508f.txt")
                                               .read_text())[0])
    item.write_text(item.read_text().replace(str(SEED_SUITE.parents[1] / "seeds" / "000_37deaf7060d2508f.txt"),
                                             str(art)))
    assert main(["lint", str(ds)]) == 0


def test_list_and_version(capsys):
    assert main(["list", "backends"]) == 0
    out = capsys.readouterr().out
    assert "lead" in out and "textrank" in out and "oracle" in out
    assert main(["list", "scorers"]) == 0
    assert "rouge" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert "sumbench" in capsys.readouterr().out


def test_report_rebuilds_from_run_folder(seed_run, capsys):
    _, out = seed_run
    (out / "report.md").unlink()
    assert main(["report", str(out)]) == 0
    assert "putin-moscow-talks" in (out / "report.md").read_text()
    assert main(["report", str(out.parent / "missing")]) == 2


def test_run_files_get_normal_permissions(seed_run):
    import os
    import stat

    _, out = seed_run
    mask = os.umask(0)
    os.umask(mask)
    for name in ("manifest.json", "metrics.json", "report.md"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o666 & ~mask


def test_report_finds_articles_from_another_folder(seed_run, tmp_path, monkeypatch):
    import json as _json

    _, out = seed_run
    manifest = _json.loads((out / "manifest.json").read_text())
    assert manifest["suite"]["abs_path"] == str((SEED_SUITE / "suite.toml").resolve())
    monkeypatch.chdir(tmp_path)
    from harness.report.data import resolve_suite_file

    assert resolve_suite_file(manifest) == SEED_SUITE.resolve() / "suite.toml"
