"""`framing package`: a model directory becomes a wheel that pip installs, and the installed
model is found by name (entry point group `framing.models`) and loads with framing.load."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import framing
from framing.cli import app
from framing.errors import FramingError
from framing.packaging import build_package, find_installed_model, normalise_name

runner = CliRunner()
ROWS = [("Drug policy should be left to the states.", ["federalism"]),
        ("Police arrested dozens of dealers downtown.", ["enforcement"]),
        ("The Tenth Amendment reserves these powers to the states.", ["federalism"]),
        ("Prosecutors charged the men under federal law.", ["enforcement"]),
        ("The weather was mild for March.", []),
        ("States' rights matter more than Washington's preferences.", ["federalism"]),
        ("Officers made an arrest after the raid.", ["enforcement"]),
        ("The team celebrated its win.", [])] * 3


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from framing.models import train
    from framing.models.frames import FrameSettings

    d = tmp_path_factory.mktemp("pkg")
    data = d / "train.jsonl"
    data.write_text("".join(json.dumps({"text": t, "labels": y}) + "\n" for t, y in ROWS))
    out = d / "my-frames"
    train("frames", data, out, FrameSettings(method="tfidf"), progress=False)
    return out


def test_wheel_installs_and_loads_by_name(model_dir: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["package", str(model_dir), "--out", str(tmp_path / "dist"),
                            "--name", "Team Frames", "--version", "1.2.0"])
    assert r.exit_code == 0, r.output
    wheel = tmp_path / "dist" / "framing_model_team_frames-1.2.0-py3-none-any.whl"
    assert wheel.is_file() and "pip install" in r.output
    names = zipfile.ZipFile(wheel).namelist()
    assert "framing_model_team_frames/model/framing_model.json" in names
    ep = zipfile.ZipFile(wheel).read(
        "framing_model_team_frames-1.2.0.dist-info/entry_points.txt").decode()
    assert "[framing.models]" in ep and "team_frames = framing_model_team_frames:" in ep
    # install it into a fresh virtual environment, offline (no index, no dependencies): the
    # environment sees this one's packages through a .pth file, as --system-site-packages
    # would for a system Python, so framing itself is importable but the model is not
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True)
    fresh_site = Path(site.stdout.strip())
    here_site = Path(sysconfig.get_paths()["purelib"])
    assert fresh_site != here_site
    # addsitedir also runs that folder's own .pth files (framing's editable install is one)
    (fresh_site / "_framing_test_parent.pth").write_text(
        f"import site; site.addsitedir({str(here_site)!r})\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
                    "--no-index", "--quiet", str(wheel)], check=True)
    assert (fresh_site / "framing_model_team_frames" / "model" / "framing_model.json").is_file()
    code = ("import framing\n"
            "from framing.packaging import installed_models\n"
            "a = framing.load(model='team-frames')\n"  # a name, not a directory
            "res = a('Drug policy should be left to the states.')\n"
            "print(a.classifier.path, sorted(installed_models()), "
            "res.model['classifier']['method'], res.labels)\n")
    env = {"PATH": "/usr/bin:/bin", "FRAMING_DEFAULT_STANCE_MODEL": "none"}
    out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stderr
    path, _, rest = out.stdout.strip().partition(" ")
    assert Path(path) == fresh_site / "framing_model_team_frames" / "model"
    assert "'team_frames'" in rest and "tfidf [" in rest and "'federalism'" in rest
    # the command line takes the name too
    (tmp_path / "in.jsonl").write_text(json.dumps(
        {"id": "d1", "text": "Drug policy should be left to the states."}) + "\n")
    cli = subprocess.run([str(py), "-m", "framing", "label", "in.jsonl", "--model", "team_frames",
                          "--out", "out.jsonl"], capture_output=True, text=True, env=env,
                         cwd=tmp_path, check=False)
    assert cli.returncode == 0, cli.stderr + cli.stdout
    assert "federalism" in json.loads((tmp_path / "out.jsonl").read_text())["labels"]
    # not installed here (this process): a numbered error that says what to do
    with pytest.raises(FramingError, match=r"\[E864\].*pip install"):
        find_installed_model("team_frames")
    with pytest.raises(FramingError, match=r"\[E301\].*installed model package"):
        framing.load(model="team_frames")


def test_package_refuses_what_is_not_a_model_and_existing_wheels(model_dir: Path,
                                                                 tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"\[E862\]"):
        build_package(tmp_path, tmp_path / "dist")
    with pytest.raises(FramingError, match=r"\[E867\]"):
        build_package(model_dir, tmp_path / "dist", version="one")
    with pytest.raises(FramingError, match=r"\[E867\]"):
        build_package(model_dir, model_dir / "dist")
    w = build_package(model_dir, tmp_path / "dist")
    assert w.name == "framing_model_my_frames-0.0.0-py3-none-any.whl"
    with pytest.raises(FramingError, match=r"\[E207\]"):
        build_package(model_dir, tmp_path / "dist")
    r = runner.invoke(app, ["package", str(tmp_path), "--out", str(tmp_path / "d2")])
    assert r.exit_code == 2 and "[E862]" in r.output
    assert normalise_name("framing_model_X") == "framing_model_x"
