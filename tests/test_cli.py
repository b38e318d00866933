import subprocess
import sys

from claimsift.cli import STAGES, main


def test_help_lists_every_stage(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert all(stage in out for stage in STAGES)


def test_unknown_stage_is_a_one_line_error(capsys):
    assert main(["lable"]) == 2
    assert "unknown stage 'lable'" in capsys.readouterr().err


def test_bad_override_names_the_key(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "claimsift.label", "label_model.nope=1"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode != 0
    assert "nope" in proc.stderr
