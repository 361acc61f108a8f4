"""Checks of what ``make build`` (``sam build``) produced in .aws-sam/build: run by ``make
build-check`` after the build, never by the other tiers (they need no build).

- Lambda's limit: a function's code and all its layers, unzipped, within 250 MB (262,144,000 bytes).
- The binaries are for Lambda's arm64 (a cross-platform build without Docker must have fetched
  aarch64 wheels: pydantic-core, markupsafe, wrapt), and for its python3.12.
- The dependencies layer holds exactly the versions pinned in the lock file, and its binary
  packages are the files of the wheels whose hashes the lock pins.
- Both layers carry their bytecode, for python3.12, in the form a read-only layer can use.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
LOCK = ROOT / "layers" / "dependencies" / "requirements.txt"
UNZIPPED_LIMIT = 262_144_000  # bytes: Lambda's 250 MB for a function and its layers, unzipped
ELF_MACHINE_AARCH64 = 183  # e_machine of an ELF header
# Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34): the manylinux tags the dependencies
# layer's build accepts (PLATFORMS in layers/dependencies/Makefile).
LAMBDA_PLATFORMS = ("manylinux_2_34_aarch64", "manylinux_2_28_aarch64", "manylinux_2_17_aarch64")


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    template = BUILD / "template.yaml"
    assert template.exists(), "no build: run `make build` first (make build-check does)"
    return dict(yaml.safe_load(template.read_text()))


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _layer_folder(built: dict[str, Any], logical_id: str) -> Path:
    return BUILD / built["Resources"][logical_id]["Properties"]["ContentUri"]


def test_each_function_with_its_layers_stays_under_lambdas_unzipped_limit(built: dict[str, Any]) -> None:
    resources = built["Resources"]
    global_layers = built.get("Globals", {}).get("Function", {}).get("Layers", [])
    functions = {n: s for n, s in resources.items() if s["Type"] == "AWS::Serverless::Function"}
    assert len(functions) >= 11
    for name, spec in functions.items():
        code = BUILD / spec["Properties"]["CodeUri"]
        assert (code / "app.py").exists(), name
        layers = [layer["Ref"] for layer in spec["Properties"].get("Layers", global_layers)]
        total = _size(code) + sum(_size(_layer_folder(built, layer)) for layer in layers)
        assert total < UNZIPPED_LIMIT, f"{name} and its layers are {total / 1e6:.1f} MB unzipped"
        print(f"{name}: {total / 1e6:.1f} MB unzipped with {', '.join(layers)}")


def test_every_binary_in_the_dependencies_layer_is_for_arm64_and_python312(built: dict[str, Any]) -> None:
    layer = _layer_folder(built, "DependenciesLayer") / "python"
    binaries = sorted(layer.rglob("*.so"))
    assert any(path.name.startswith("_pydantic_core") for path in binaries), (
        "pydantic-core's binary is missing"
    )
    for path in binaries:
        header = path.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", path
        assert int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64, f"{path} is not aarch64"
        assert "cpython-312-aarch64" in path.name or "abi3" in path.name or ".cpython" not in path.name, path


def test_the_dependencies_layer_holds_exactly_the_locked_versions(built: dict[str, Any]) -> None:
    locked = {
        _canonical(name): version
        for name, version in re.findall(
            r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s\\;]+)", LOCK.read_text(), re.M
        )
    }
    layer = _layer_folder(built, "DependenciesLayer") / "python"
    installed = {}
    for metadata in layer.glob("*.dist-info/METADATA"):
        fields = dict(
            line.split(": ", 1)
            for line in metadata.read_text().splitlines()
            if line.startswith(("Name: ", "Version: "))
        )
        installed[_canonical(fields["Name"])] = fields["Version"]
    assert installed == locked


def test_the_layers_binary_packages_are_the_wheels_the_lock_pins(
    built: dict[str, Any], tmp_path: Path
) -> None:
    """The build installs the lock's wheels with their hashes required; this checks the result
    independently: download the aarch64 wheels of the packages with binaries again, hashes
    required, and every file the layer holds of them must match its wheel."""
    layer = _layer_folder(built, "DependenciesLayer") / "python"
    binary = {
        _canonical(record.parent.name.split("-")[0])
        for record in layer.glob("*.dist-info/RECORD")
        if ".so," in record.read_text()
    }
    assert "pydantic-core" in binary
    entries = re.findall(
        r"^([A-Za-z0-9_.\-]+(?:\[[^\]]*\])?==\S+(?: \\\n\s+--hash=\S+)+)", LOCK.read_text(), re.M
    )
    wanted = [entry for entry in entries if _canonical(re.split(r"[\[=]", entry)[0]) in binary]
    assert len(wanted) == len(binary)
    requirements = tmp_path / "binary.txt"
    requirements.write_text("\n".join(wanted) + "\n")
    platforms = [argument for platform in LAMBDA_PLATFORMS for argument in ("--platform", platform)]
    download = [sys.executable, "-m", "pip", "download", "--quiet", "--require-hashes", "--no-deps"]
    download += ["--only-binary=:all:", *platforms, "--python-version", "3.12", "--implementation", "cp"]
    subprocess.run([*download, "--dest", str(tmp_path / "wheels"), "-r", str(requirements)], check=True)
    wheels = sorted((tmp_path / "wheels").glob("*.whl"))
    assert len(wheels) == len(binary)
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            record = next(name for name in archive.namelist() if name.endswith(".dist-info/RECORD"))
            for line in archive.read(record).decode().splitlines():
                path, digest, _ = line.rsplit(",", 2)
                # A wheel's .data/ (scripts, man pages) is installed outside the packages; the
                # layer's build leaves it out: Lambda imports packages only.
                if digest and ".data/" not in path:
                    algorithm, expected = digest.split("=", 1)
                    actual = hashlib.new(algorithm, (layer / path).read_bytes()).digest()
                    assert base64.urlsafe_b64encode(actual).rstrip(b"=").decode() == expected, path


@pytest.mark.parametrize("layer", ["SharedLayer", "DependenciesLayer"])
def test_each_layer_carries_python312_bytecode_for_every_module(built: dict[str, Any], layer: str) -> None:
    """/opt is read-only in Lambda, so a module without its .pyc is compiled on every cold start
    (layers/*/Makefile). Each .pyc must be 3.12's and hash-based without a source check (PEP 552
    flags 0b01): a timestamp-checked one would be compared with the zip's timestamps."""
    folder = _layer_folder(built, layer) / "python"
    sources = sorted(folder.rglob("*.py"))
    assert len(sources) > 100
    for source in sources:
        compiled = source.parent / "__pycache__" / f"{source.stem}.cpython-312.pyc"
        assert compiled.exists(), f"{source.relative_to(folder)} has no 3.12 bytecode"
        flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
        assert flags == 0b01, f"{compiled.name}: flags {flags:#04b}, not an unchecked hash-based .pyc"
    strays = [path for path in folder.rglob("*.pyc") if ".cpython-312." not in path.name]
    assert strays == [], "bytecode of another Python version is in the layer"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
