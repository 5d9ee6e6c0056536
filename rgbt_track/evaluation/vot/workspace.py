"""VOT workspaces: read their configuration, check them before the toolkit runs, copy the template.

A workspace is a folder with ``config.yaml`` (``stack``, ``registry``, optional ``sequences``), as
vot-toolkit 0.7.4 reads it. The repository's ``vot_workspace/`` holds two: the folder itself
(built-in ``vot2020/rgbtir`` stack, anchor-based) and ``vot_workspace/vot2019/`` (the reset-based
VOT2019-RGBT protocol, ``stacks/vot2019_rgbtir_reset.yaml``), sharing ``trackers.ini`` and
``sequences/``. :func:`find_workspaces` returns both for the parent folder.

:func:`validate_workspace` catches, with one message naming the file, what the toolkit would
otherwise report late, obscurely or not at all: a malformed ``config.yaml``, stack or
``trackers.ini``, a missing ``sequences/list.txt`` (the toolkit would download the dataset), and
every sequence as :mod:`rgbt_track.datasets.vot` reads it (the loader, without pixels: a missing
``ir`` channel, colour/IR frame counts that differ, a malformed or short ``groundtruth.txt``, a
missing ``anchor.value`` for the anchor-based protocol), unknown trackers and missing checkpoint
files. ``rgbt-track evaluate`` and ``rgbt-track report`` both check through it. Sequences shorter
than the EAO window are accepted, as the toolkit accepts them (:mod:`rgbt_track.evaluation.vot.eao_window`).
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

# The repository's vot_workspace/ through the link rgbt_track/vot_workspace in a checkout; the same
# files as package data in an installed wheel.
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "vot_workspace"  # rgbt_track/vot_workspace
TEMPLATE_FILES = ("config.yaml", "trackers.ini", "stacks/vot2019_rgbtir_reset.yaml", "vot2019/config.yaml")


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
    if not isinstance(registry, list) or not all(isinstance(p, str) for p in registry):
        raise InputError(f"'registry' in {config_file} must be a file name or a list of them")
    return WorkspaceInfo(
        directory=directory, stack_name=str(config["stack"]), stack_file=stack_file,
        title=str(stack.get("title", config["stack"])), experiments=experiments,
        registries=tuple((directory / p).resolve() for p in registry),
        sequences=(directory / str(config.get("sequences", "sequences"))).resolve())


def check_sequences(info: WorkspaceInfo) -> dict[str, int]:
    """Read every sequence in ``list.txt`` as the loader does, without pixels; returns name -> frames.

    The same reader as :func:`rgbt_track.datasets.vot.load_vot_sequences` plus the protocol's needs
    (:func:`rgbt_track.datasets.vot.check_protocol`). Sequences of any length are accepted, as the
    toolkit accepts them; :func:`rgbt_track.evaluation.vot.eao_window.short_sequence_note` says how those
    shorter than the EAO window count.
    """
    from rgbt_track.datasets.vot import check_protocol, load_vot_sequences

    listing = info.sequences / "list.txt"
    if not listing.is_file():
        raise InputError(f"sequence list not found: {listing} (the toolkit would try to download)")
    anchors = any(e.anchor_based for e in info.experiments)
    sequences = load_vot_sequences(info.sequences)
    for sequence in sequences:
        check_protocol(sequence, info.sequences / sequence.name, anchors)
    return {sequence.name: len(sequence) for sequence in sequences}


def sequence_fps(info: WorkspaceInfo, default: float = 30.0) -> float:
    """Frame rate of the workspace's first listed sequence (``fps=`` of its ``sequence`` file), as the
    realtime experiment uses it; ``default`` (the toolkit's) when the file gives none."""
    from rgbt_track.datasets.vot import read_properties, sequence_list

    root, names = sequence_list(info.sequences)
    fps = read_properties(root / names[0] / "sequence").get("fps")
    try:
        return float(fps) if fps else default
    except ValueError:
        raise InputError(f"fps={fps!r} is not a number in {root / names[0] / 'sequence'}") from None


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
    from rgbt_track.evaluation.vot.trax_server import parse_config

    if section.get("command", "").strip() != "rgbt_track.evaluation.vot.trax_server":
        raise InputError(f"[{name}] in {registry} does not run rgbt_track.evaluation.vot.trax_server")
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
    from rgbt_track.evaluation.vot.trax_server import build_tracker

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
