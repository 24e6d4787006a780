"""The project's dependencies as one archive for a lent 16-core device, which has no
network: every distribution `tracker` needs (NumPy and lxml, which it holds, left out),
at the versions installed here, as wheels for the device's Python, unpacked without
their tests, Cython sources and debug sections, in one tar.xz (42 MB) that fits, with the
working tree (10 MB), in the 64 MiB a call may carry.

    python bench/device_pack.py                      # writes .device/site.tar.xz
    # then, with the device tool: carry [".device"], command "bash bench/device.sh"

Wheels come from the package index (`pip download`); the device's Python is 3.12
(`/work/.library/device/KINDS.md`). `--python 3.11.7 --all` packs for this machine's Python,
with what the device holds too, to check here that the archive holds everything
(`DEVICE_PYTHON=python3.11 DEVICE_ARCHIVE=... bash bench/device.sh`).
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
# On the device already, and too big to carry (NumPy is 40 MB unpacked): its image's
# (numpy 2.5, a recent lxml) work with these. Everything else travels, at our versions,
# first on the path: the image's older typing-extensions or click would not do.
ON_DEVICE = {"numpy", "lxml", "pip", "setuptools"}
# Not needed for `tracker run` and the benchmarks (orjson is: the KB is read with it).
LEFT_OUT = {"fastapi", "uvicorn", "starlette", "pydantic-extra-types"}
DROPPED = re.compile(r"(^|/)(tests?|testing)/|\.(pyx|pxd|pxi|c|cpp|h|hpp)$")


def _name(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def closure(root: str, python: str, skip: set[str] = ON_DEVICE) -> dict[str, str]:
    """{distribution: version installed here} of everything ``root`` needs on Linux
    under ``python`` (markers judged for it; extras not taken), but ``skip``."""
    env = default_environment()
    minor = ".".join(python.split(".")[:2])
    full = python if python.count(".") == 2 else python + ".0"
    env.update({"python_version": minor, "python_full_version": full,
                "sys_platform": "linux", "platform_system": "Linux"})
    found: dict[str, str] = {}
    todo = [root]
    while todo:
        name = _name(todo.pop())
        if name in found or name in skip or name in LEFT_OUT:
            continue
        dist = md.distribution(name)
        found[name] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({**env, "extra": ""}):
                todo.append(req.name)
    found.pop(_name(root))
    return found


def download(pins: dict[str, str], python: str, folder: Path) -> list[Path]:
    tag = "".join(python.split(".")[:2])
    platforms = [f"manylinux_2_{n}_x86_64" for n in (17, 24, 27, 28, 31, 34, 35)]
    args = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--python-version", python, "--implementation", "cp", "--abi", f"cp{tag}",
            "--abi", "abi3", "--abi", "none", "-d", str(folder), "-q"]
    for platform in [*platforms, "manylinux2014_x86_64", "any"]:
        args += ["--platform", platform]
    subprocess.run(args + [f"{name}=={version}" for name, version in sorted(pins.items())],
                   check=True)
    return sorted(folder.glob("*.whl"))


def _shared_object(path: str) -> bool:
    return path.endswith(".so") or ".so." in path


def _extension(path: str) -> bool:
    """A Python extension module, built by the wheel's own build: stripped safely. The
    libraries auditwheel vendored (``numpy.libs/``) were rewritten by patchelf, and
    stripping them breaks their loading ("ELF load command ... not page-aligned")."""
    return ".libs/" not in path and re.search(r"\.(cpython-\d+[^/]*|abi3)\.so$", path) is not None


def _stripped(data: bytes) -> bytes:
    """A compiled extension without its debug sections (spaCy's: 69 MB -> 8 MB); as it
    is where ``strip`` is missing."""
    with tempfile.NamedTemporaryFile(suffix=".so") as f:
        f.write(data)
        f.flush()
        try:
            subprocess.run(["strip", "--strip-debug", f.name], check=True,
                           capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            return data
        return Path(f.name).read_bytes()


def pack(wheels: list[Path], out: Path) -> tuple[int, int]:
    """The wheels' files, tests and Cython sources left out and compiled extensions
    stripped of their debug sections, in one tar.xz; returns (files, bytes unpacked)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    files = size = 0
    with tarfile.open(out, "w:xz", preset=6) as tar:  # gzip's would be a third larger
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as z:
                for info in z.infolist():
                    if info.is_dir() or DROPPED.search(info.filename):
                        continue
                    data = z.read(info)
                    if _extension(info.filename):
                        data = _stripped(data)
                    entry = tarfile.TarInfo(info.filename)
                    entry.size = len(data)
                    entry.mode = 0o755 if _shared_object(info.filename) else 0o644
                    tar.addfile(entry, io.BytesIO(data))
                    files, size = files + 1, size + len(data)
    return files, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default="3.12.3", help="the device's Python")
    parser.add_argument("--out", type=Path, default=ROOT / ".device" / "site.tar.xz")
    parser.add_argument("--all", action="store_true",
                        help="also what the device holds (to check the archive elsewhere)")
    args = parser.parse_args()
    pins = closure("tracker", args.python, {"pip"} if args.all else ON_DEVICE)
    with tempfile.TemporaryDirectory(prefix="tracker-wheels-") as folder:
        wheels = download(pins, args.python, Path(folder))
        files, size = pack(wheels, args.out)
    print(f"{len(pins)} distributions, {len(wheels)} wheels, {files:,} files "
          f"({size / 2**20:.1f} MiB unpacked) -> {args.out} "
          f"({args.out.stat().st_size / 2**20:.1f} MiB)")
    exclude = ROOT / ".git" / "info" / "exclude"
    if exclude.parent.is_dir() and "/.device/" not in (exclude.read_text()
                                                        if exclude.exists() else ""):
        with exclude.open("a") as f:  # carried, never committed
            f.write("/.device/\n")


if __name__ == "__main__":
    main()
