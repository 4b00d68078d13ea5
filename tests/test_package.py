"""The built wheel works on its own: init + build in an empty folder, templates included."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_installs_and_runs_init_and_build(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(REPO)], check=True)
    [wheel] = wheels.glob("handouts-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin/python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True)
    # Dependencies come from this environment (offline), the package only from the wheel.
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True,
                          check=True).stdout.strip()
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n",
                                         encoding="utf-8")
    where = subprocess.run([python, "-c", "import handouts; print(handouts.__file__)"],
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(env_dir))
    work = tmp_path / "empty"
    work.mkdir()
    handouts = env_dir / "bin/handouts"
    subprocess.run([handouts, "init", "clinic"], cwd=work, check=True, capture_output=True)
    built = subprocess.run([handouts, "-C", "clinic", "build"], cwd=work, check=True,
                           capture_output=True, text=True)
    pdf = work / "clinic/output/hand-self-massage.pdf"
    assert built.stdout == f"wrote {pdf} (2 pages)\n"
    assert pdf.read_bytes().startswith(b"%PDF-1.7")
