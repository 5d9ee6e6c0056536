"""Loading the reference's checkpoint files through the documented key mapping.

The reference state dicts are synthesised here from the reference's module structure
(``NestFuse_light2_nodense`` and ``Fusion_network`` of hli1221/imagefusion-rfn-nest ``net.py``),
written independently of the package's own module names.
"""
import pytest
import torch

from fusion.model import RFNNest
from fusion.reference_keys import autoencoder_from_reference, load_reference_model, to_reference
from rgbt_runtime.errors import InputError

NB = [64, 112, 160, 208]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _conv(prefix, cin, cout, k, gen):
    return {f"{prefix}.conv2d.weight": torch.randn(cout, cin, k, k, generator=gen) * 0.01,
            f"{prefix}.conv2d.bias": torch.randn(cout, generator=gen) * 0.01}


def _db(prefix, cin, cout, gen):
    return {**_conv(f"{prefix}.denseblock.0", cin, cin // 2, 3, gen), **_conv(f"{prefix}.denseblock.1", cin // 2, cout, 1, gen)}


def reference_autoencoder(deep_supervision=False, seed=0):
    g = torch.Generator().manual_seed(seed)
    sd = {**_conv("conv0", 1, 16, 1, g), **_db("DB1_0", 16, NB[0], g), **_db("DB2_0", NB[0], NB[1], g),
          **_db("DB3_0", NB[1], NB[2], g), **_db("DB4_0", NB[2], NB[3], g),
          **_db("DB1_1", NB[0] + NB[1], NB[0], g), **_db("DB2_1", NB[1] + NB[2], NB[1], g),
          **_db("DB3_1", NB[2] + NB[3], NB[2], g), **_db("DB1_2", NB[0] * 2 + NB[1], NB[0], g),
          **_db("DB2_2", NB[1] * 2 + NB[2], NB[1], g), **_db("DB1_3", NB[0] * 3 + NB[1], NB[0], g)}
    heads = ["conv1", "conv2", "conv3"] if deep_supervision else ["conv_out"]
    for h in heads:
        sd.update(_conv(h, NB[0], 1, 1, g))
    return sd


def reference_rfn(seed=1):
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for m, c in enumerate(NB, start=1):
        p = f"fusion_block{m}"
        sd.update({**_conv(f"{p}.conv_fusion", 2 * c, c, 3, g), **_conv(f"{p}.conv_ir", c, c, 3, g),
                   **_conv(f"{p}.conv_vi", c, c, 3, g), **_conv(f"{p}.bottelblock.0", 2 * c, c, 1, g),
                   **_conv(f"{p}.bottelblock.1", c, c, 3, g), **_conv(f"{p}.bottelblock.2", c, c, 3, g)})
    return sd


def test_reference_files_load_into_the_right_modules(tmp_path):
    ae, rfn = reference_autoencoder(), reference_rfn()
    assert sum(v.numel() for v in ae.values()) == 2_732_761
    assert sum(v.numel() for v in rfn.values()) == 4_791_488
    torch.save(ae, tmp_path / "nestfuse_gray_1e2.model")
    torch.save({f"module.{k}": v for k, v in rfn.items()}, tmp_path / "rfn.model")  # DataParallel prefix
    model = load_reference_model(tmp_path / "nestfuse_gray_1e2.model", tmp_path / "rfn.model")
    assert torch.equal(model.encoder.stem.conv2d.weight, ae["conv0.conv2d.weight"])
    assert torch.equal(model.encoder.levels[2].denseblock[1].conv2d.bias, ae["DB3_0.denseblock.1.conv2d.bias"])
    assert torch.equal(model.decoder.db1_3.denseblock[0].conv2d.weight, ae["DB1_3.denseblock.0.conv2d.weight"])
    assert torch.equal(model.decoder.heads.conv_out.conv2d.weight, ae["conv_out.conv2d.weight"])
    assert torch.equal(model.rfn.blocks[1].conv_a.conv2d.weight, rfn["fusion_block2.conv_ir.conv2d.weight"])
    assert torch.equal(model.rfn.blocks[1].conv_b.conv2d.weight, rfn["fusion_block2.conv_vi.conv2d.weight"])
    assert torch.equal(model.rfn.blocks[3].bottleneck[2].conv2d.bias, rfn["fusion_block4.bottelblock.2.conv2d.bias"])
    back_ae, back_rfn = to_reference(model.state_dict())
    assert back_ae.keys() == ae.keys() and back_rfn.keys() == rfn.keys()
    assert all(torch.equal(back_ae[k], ae[k]) for k in ae)


def test_deep_supervision_and_autoencoder_only(tmp_path):
    torch.save(reference_autoencoder(deep_supervision=True), tmp_path / "ae.model")
    model = load_reference_model(tmp_path / "ae.model")
    assert model.config.deep_supervision and len(model(torch.rand(1, 1, 16, 16), torch.rand(1, 1, 16, 16), "add")) == 3


def test_alias_and_errors(tmp_path):
    ae = reference_autoencoder()
    renamed = autoencoder_from_reference({k.replace("conv0.", "conv_first."): v for k, v in ae.items()})
    assert set(renamed) == {k for k in RFNNest().state_dict() if not k.startswith("rfn.")}
    with pytest.raises(InputError, match="unexpected key 'DB9_9"):
        autoencoder_from_reference({"DB9_9.denseblock.0.conv2d.weight": torch.zeros(1)})
    torch.save({k: v for k, v in ae.items() if not k.startswith("DB1_3")}, tmp_path / "partial.model")
    with pytest.raises(InputError, match="lack 'decoder.db1_3"):
        load_reference_model(tmp_path / "partial.model")
    torch.save(ae, tmp_path / "ae.model")
    torch.save(reference_rfn(), tmp_path / "rfn.model")
    with pytest.raises(InputError, match="unexpected key 'fusion_block1"):
        load_reference_model(tmp_path / "rfn.model", tmp_path / "ae.model")  # files swapped
    (tmp_path / "bad.model").write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="cannot read checkpoint"):
        load_reference_model(tmp_path / "ae.model", tmp_path / "bad.model")
