"""The built wheel works on its own: init + add + build in an empty folder, templates and the
starter library included."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_runs_init_and_build(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(REPO)], check=True)
    [wheel] = wheels.glob("handouts-*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    library = REPO / "src/handouts/starter"
    starter = {f"handouts/{p.relative_to(REPO / 'src/handouts').as_posix()}"
               for p in library.rglob("*") if p.is_file()}
    assert len(starter) == 37  # 12 handouts, 12 translations, 12 pictures, the clinic's words
    assert starter <= packed, sorted(starter - packed)
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
    added = subprocess.run([handouts, "-C", "clinic", "add", "ice-or-heat"], cwd=work,
                           check=True, capture_output=True, text=True)
    assert added.stdout.splitlines()[-1] == "3 file(s) added, 0 skipped"
    built = subprocess.run([handouts, "-C", "clinic", "build"], cwd=work, check=True,
                           capture_output=True, text=True)
    pdf = work / "clinic/output/hand-self-massage.pdf"
    assert built.stdout == (f"wrote {pdf} (2 pages)\n"
                            f"wrote {work / 'clinic/output/ice-or-heat.pdf'} (2 pages)\n")
    assert pdf.read_bytes().startswith(b"%PDF-1.7")
