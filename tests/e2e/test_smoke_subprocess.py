"""The installed command and `python -m harness` start and answer."""

import subprocess
import sys

import harness


def test_python_m_harness_version():
    res = subprocess.run([sys.executable, "-m", "harness", "--version"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.strip() == f"sumbench {harness.__version__}"


def test_help_does_not_import_heavy_packages():
    code = ("import sys; from harness.cli import main; main(['--help']) if False else None; "
            "import harness.cli; print(any(m in sys.modules for m in ('openai', 'rouge_score', 'nltk', 'numpy')))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.strip() == "False"


def test_bad_input_has_no_traceback(tmp_path):
    res = subprocess.run([sys.executable, "-m", "harness", "run", str(tmp_path / "nothing")],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert res.stderr.startswith("error: ") and "Traceback" not in res.stderr
