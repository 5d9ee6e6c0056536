"""Runtime helpers shared by every training and I/O path of the package.

They live in ``fusion`` because ``fusion`` is the one package both halves may import
(``rgbt_track`` imports it; ``trackers`` needs none of this).
"""
from fusion.runtime.atomic import atomic_path, save_torch_atomic
from fusion.runtime.checkpoint_file import load_state_file
from fusion.runtime.distributed import DistContext, init_distributed
from fusion.runtime.errors import InputError
from fusion.runtime.seeding import seed_everything

__all__ = [
    "atomic_path",
    "save_torch_atomic",
    "load_state_file",
    "DistContext",
    "init_distributed",
    "InputError",
    "seed_everything",
]
