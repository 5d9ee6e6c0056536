"""VOT workspaces: read their configuration, check them before the toolkit runs, copy the template.

A workspace is a folder with ``config.yaml`` (``stack``, ``registry``, optional ``sequences``), as
vot-toolkit 0.7.4 reads it. The repository's ``vot_workspace/`` holds two: the folder itself
(built-in ``vot2020/rgbtir`` stack, anchor-based) and ``vot_workspace/vot2019/`` (the reset-based
VOT2019-RGBT protocol, ``stacks/vot2019_rgbtir_reset.yaml``), sharing ``trackers.ini`` and
``sequences/``. :func:`find_workspaces` returns both for the parent folder.

:func:`validate_workspace` catches, with one message naming the file, what the toolkit would
otherwise report late, obscurely or not at all: a missing ``ir`` channel, colour/IR frame counts
that differ, a malformed or short ``groundtruth.txt``, a missing ``anchor.value`` for the
anchor-based protocol, sequences shorter than the EAO window's low end (their EAO is 0), unknown
trackers and missing checkpoint files.
"""
from __future__ import annotations

import configparser
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from rgbt_runtime.errors import InputError

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "vot_workspace"
TEMPLATE_FILES = ("config.yaml", "trackers.ini", "stacks/vot2019_rgbtir_reset.yaml", "vot2019/config.yaml")
CHANNELS = ("color", "ir")


@dataclass(frozen=True)
class ExperimentInfo:
    """One experiment of a stack: its toolkit type and the EAO window of its EAO score analysis."""

    name: str
    type: str
    eao_window: tuple[int, int] | None
    realtime_grace: int | None

    @property
    def anchor_based(self) -> bool:
        return self.type == "multistart"


@dataclass(frozen=True)
class WorkspaceInfo:
    """What a workspace's ``config.yaml`` and stack file say, with paths resolved."""

    directory: Path
    stack_name: str
    stack_file: Path
    title: str
    experiments: tuple[ExperimentInfo, ...]
    registries: tuple[Path, ...]
    sequences: Path

    @property
    def label(self) -> str:
        """Short stack name for tables: the built-in name, or a stack file's stem."""
        return Path(self.stack_name).stem if self.stack_name.endswith(".yaml") else self.stack_name

    @property
    def protocol(self) -> str:
        """``"anchor"`` for a multistart stack, ``"reset"`` for a supervised one."""
        return "anchor" if any(e.anchor_based for e in self.experiments) else "reset"


def find_workspaces(root: str | os.PathLike) -> list[Path]:
    """``root`` (if it has ``config.yaml``) and its immediate sub-folders that have one."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"workspace folder not found: {root}")
    found = [root] if (root / "config.yaml").is_file() else []
    found += sorted(p for p in root.iterdir() if p.is_dir() and (p / "config.yaml").is_file())
    if not found:
        raise InputError(f"no VOT workspace (config.yaml) in {root} or its sub-folders")
    return found


def _load_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"file not found: {path}") from None
    except yaml.YAMLError as error:
        raise InputError(f"malformed YAML in {path}: {str(error).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise InputError(f"expected a mapping in {path}")
    return data


def resolve_stack(name: str, directory: Path) -> Path:
    """The stack file ``name`` refers to, as the toolkit resolves it (workspace folder, then built-in)."""
    from vot.stack import resolve_stack as toolkit_resolve

    found = toolkit_resolve(name, str(directory))
    if found is None:
        raise InputError(f"experiment stack {name!r} not found (config {directory / 'config.yaml'})")
    return Path(found)


def _experiment(name: str, spec: dict) -> ExperimentInfo:
    window = None
    for analysis in spec.get("analyses") or []:
        if str(analysis.get("type", "")).endswith("eao_score"):
            window = (int(analysis["low"]), int(analysis["high"]))
    realtime = spec.get("realtime")
    grace = int(realtime.get("grace", 0)) if isinstance(realtime, dict) else None
    return ExperimentInfo(name=name, type=str(spec.get("type", "")), eao_window=window, realtime_grace=grace)


def read_workspace(directory: str | os.PathLike) -> WorkspaceInfo:
    """Parse ``directory/config.yaml`` and its stack file (no sequence is read)."""
    directory = Path(directory).resolve()
    config_file = directory / "config.yaml"
    config = _load_yaml(config_file)
    if "stack" not in config:
        raise InputError(f"no 'stack' in {config_file}")
    stack_file = resolve_stack(str(config["stack"]), directory)
    stack = _load_yaml(stack_file)
    experiments = tuple(_experiment(k, v or {}) for k, v in (stack.get("experiments") or {}).items())
    if not experiments:
        raise InputError(f"stack {stack_file} defines no experiment")
    registry = config.get("registry") or []
    registry = [registry] if isinstance(registry, str) else registry
    return WorkspaceInfo(
        directory=directory, stack_name=str(config["stack"]), stack_file=stack_file,
        title=str(stack.get("title", config["stack"])), experiments=experiments,
        registries=tuple((directory / p).resolve() for p in registry),
        sequences=(directory / str(config.get("sequences", "sequences"))).resolve())


def channel_files(sequence: Path, pattern: str) -> list[Path]:
    """Frame files of one channel, found as the toolkit finds them: the pattern from 1 until a gap."""
    if "%" not in pattern:
        pattern = os.path.join(pattern, "%08d.jpg")
    files = []
    while (path := sequence / (pattern % (len(files) + 1))).is_file():
        files.append(path)
    return files


def read_properties(path: Path) -> dict[str, str]:
    """``key=value`` lines of a VOT ``sequence`` file."""
    matcher = re.compile(r"^([a-zA-Z0-9_\-.]+) *= *(.*)$")
    lines = path.read_text(encoding="utf-8").splitlines()
    return {m.group(1): m.group(2) for m in (matcher.match(line.strip()) for line in lines) if m}


def _numbers(path: Path, line_number: int, text: str) -> list[float]:
    try:
        return [float(v) for v in re.split(r"[,\s]+", text.strip())]
    except ValueError:
        raise InputError(f"malformed line {line_number} in {path}: {text.strip()!r}") from None


def check_groundtruth(path: Path, frames: int) -> None:
    """One region per frame: 4 numbers (x,y,w,h), an even number >= 6 (polygon) or 1 (special code)."""
    if not path.is_file():
        raise InputError(f"groundtruth file not found: {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, text in enumerate(lines, start=1):
        values = _numbers(path, number, text)
        if not (len(values) in (1, 4) or (len(values) >= 6 and len(values) % 2 == 0)):
            raise InputError(f"malformed line {number} in {path}: expected x,y,w,h or a polygon, "
                             f"got {len(values)} numbers")
    if len(lines) != frames:
        raise InputError(f"{path} has {len(lines)} lines for {frames} frames")


def check_anchors(path: Path, frames: int) -> None:
    """``anchor.value``: one number per frame, at least one anchor (non-zero)."""
    if not path.is_file():
        raise InputError(f"anchor file not found (needed by the anchor-based protocol): {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    values = [_numbers(path, i, text) for i, text in enumerate(lines, start=1)]
    if any(len(v) != 1 for v in values) or len(values) != frames:
        raise InputError(f"{path} must hold one number per frame ({frames} lines), found {len(lines)} lines")
    if not any(v[0] != 0 for v in values):
        raise InputError(f"{path} marks no anchor frame (all values are 0)")


def check_sequence(folder: Path, anchors: bool) -> int:
    """Check one VOT-RGBT sequence folder; returns its number of frames."""
    if not folder.is_dir():
        raise InputError(f"sequence folder not found: {folder}")
    properties_file = folder / "sequence"
    if not properties_file.is_file():
        raise InputError(f"sequence description not found: {properties_file}")
    properties = read_properties(properties_file)
    counts = {}
    for channel in CHANNELS:
        pattern = properties.get(f"channels.{channel}")
        if pattern is None:
            raise InputError(f"{properties_file} declares no {channel} channel (channels.{channel}=...)")
        first = folder / (pattern % 1 if "%" in pattern else os.path.join(pattern, "00000001.jpg"))
        files = channel_files(folder, pattern)
        if not files:
            raise InputError(f"missing {channel} channel: {first} not found")
        counts[channel] = len(files)
    if counts["color"] != counts["ir"]:
        raise InputError(f"channel lengths differ in {folder}: {counts['color']} color frames, "
                         f"{counts['ir']} ir frames")
    frames = counts["color"]
    check_groundtruth(folder / properties.get("groundtruth", "groundtruth.txt"), frames)
    if anchors:
        check_anchors(folder / "anchor.value", frames)
    return frames


def check_sequences(info: WorkspaceInfo) -> dict[str, int]:
    """Check every sequence in ``list.txt``; returns name -> frames. Enforces the EAO window's low end."""
    listing = info.sequences / "list.txt"
    if not listing.is_file():
        raise InputError(f"sequence list not found: {listing} (the toolkit would try to download)")
    names = [n.strip() for n in listing.read_text(encoding="utf-8").splitlines() if n.strip()]
    if not names:
        raise InputError(f"{listing} lists no sequence")
    anchors = any(e.anchor_based for e in info.experiments)
    lengths = {name: check_sequence(info.sequences / name, anchors) for name in names}
    for experiment in info.experiments:
        if experiment.eao_window is None:
            continue
        low = experiment.eao_window[0]
        short = {n: length for n, length in lengths.items() if length < low}
        if short:
            name, length = next(iter(short.items()))
            raise InputError(f"sequence {info.sequences / name} has {length} frames, fewer than the EAO "
                             f"window's low end ({low}) of {info.stack_file.name}: its EAO would be 0")
    return lengths


def sequence_fps(info: WorkspaceInfo, default: float = 30.0) -> float:
    """Frame rate of the workspace's first listed sequence (``fps=`` of its ``sequence`` file), as the
    realtime experiment uses it; ``default`` (the toolkit's) when the file gives none."""
    listing = info.sequences / "list.txt"
    names = [n.strip() for n in listing.read_text(encoding="utf-8").splitlines() if n.strip()]
    fps = read_properties(info.sequences / names[0] / "sequence").get("fps")
    try:
        return float(fps) if fps else default
    except ValueError:
        raise InputError(f"fps={fps!r} is not a number in {info.sequences / names[0] / 'sequence'}") from None


def tracker_sections(info: WorkspaceInfo) -> dict[str, tuple[Path, configparser.SectionProxy]]:
    """Tracker name -> (registry file, its ``trackers.ini`` section); the first definition wins."""
    sections: dict[str, tuple[Path, configparser.SectionProxy]] = {}
    for registry in info.registries:
        if not registry.is_file():
            raise InputError(f"tracker registry not found: {registry}")
        parser = configparser.ConfigParser()
        try:
            parser.read(registry, encoding="utf-8")
        except configparser.Error as error:
            raise InputError(f"malformed {registry}: {str(error).splitlines()[0]}") from None
        for name in parser.sections():
            sections.setdefault(name, (registry, parser[name]))
    return sections


def server_config(registry: Path, name: str, section: configparser.SectionProxy):
    """The :class:`~rgbt_track.tracker_spec.TrackerSpec` a ``trackers.ini`` section launches.

    ``env_*`` keys become variables as the toolkit passes them (name upper-cased, ``$VARS``
    expanded). Checkpoint paths must be absolute because the tracker runs in a temporary folder.
    """
    from rgbt_track.vot.trax_server import parse_config

    if section.get("command", "").strip() != "rgbt_track.vot.trax_server":
        raise InputError(f"[{name}] in {registry} does not run rgbt_track.vot.trax_server")
    environ = {key[4:].upper(): os.path.expandvars(value) for key, value in section.items()
               if key.startswith("env_")}
    try:
        config = parse_config([], environ)
    except InputError as error:
        raise InputError(f"{error} ([{name}] in {registry})") from None
    for path in (config.checkpoint, config.rfn_checkpoint, config.qpn_checkpoint, config.correction_checkpoint):
        if path is not None and not Path(path).is_absolute():
            raise InputError(f"checkpoint paths in [{name}] of {registry} must be absolute "
                             f"(the tracker runs in a temporary folder): {path}")
    return config


def check_trackers(info: WorkspaceInfo, trackers: list[str], load: bool = True) -> None:
    """Each tracker is defined in the registry with valid settings; with ``load`` its model loads.

    Loading the model here (what the TraX server does first) turns a missing or corrupt checkpoint,
    shipped default included, into one error naming the file before the toolkit starts.
    """
    from rgbt_track.vot.trax_server import build_tracker

    sections = tracker_sections(info)
    for tracker in trackers:
        if tracker not in sections:
            raise InputError(f"tracker {tracker!r} is not defined in {', '.join(map(str, info.registries))}")
        registry, section = sections[tracker]
        config = server_config(registry, tracker, section)
        if load:
            build_tracker(config)


def validate_workspace(directory: str | os.PathLike, trackers: list[str],
                       load: bool = True) -> tuple[WorkspaceInfo, dict[str, int]]:
    """Everything above for one workspace; returns its description and the sequence lengths."""
    info = read_workspace(directory)
    check_trackers(info, trackers, load=load)
    return info, check_sequences(info)


def package_root() -> Path:
    """The folder holding the ``rgbt_track`` package (what a tracker's ``paths`` must point at)."""
    import rgbt_track

    return Path(rgbt_track.__file__).resolve().parents[1]


def copy_template(dest: str | os.PathLike, template: Path = TEMPLATE_DIR) -> Path:
    """Copy the workspace configuration into ``dest`` (created), with ``paths`` made absolute.

    The copy's trackers run the installed package wherever ``dest`` is. Results, caches and
    sequences are not copied.
    """
    dest = Path(dest)
    for name in TEMPLATE_FILES:
        source = template / name
        if not source.is_file():
            raise InputError(f"workspace template file not found: {source}")
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    ini = dest / "trackers.ini"
    text = re.sub(r"(?m)^paths\s*=.*$", f"paths = {package_root()}", ini.read_text(encoding="utf-8"))
    ini.write_text(text, encoding="utf-8")
    return dest
