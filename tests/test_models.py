import pytest
import torch

from gan_lessons.models import (
    ConditionalDCGANDiscriminator,
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
    base_size,
)


@pytest.mark.parametrize("z_dim, dim", [(1, 1), (2, 2), (8, 3)])
def test_mlp_shapes(z_dim, dim):
    G, D = MLPGenerator(z_dim, dim, 16, 2), MLPDiscriminator(dim, 16, 2)
    x = G(torch.randn(5, z_dim))
    assert x.shape == (5, dim)
    assert D(x).shape == (5,)


def test_mlp_shift_scale():
    G = MLPGenerator(1, 1, 8, 1, shift=4.0, scale=2.0)
    z = torch.randn(3, 1)
    assert torch.allclose(G(z), 4.0 + 2.0 * G.net(z))
    D = MLPDiscriminator(1, 8, 1, shift=4.0, scale=2.0)
    x = torch.randn(3, 1)
    assert torch.allclose(D(x), D.net((x - 4.0) / 2.0).squeeze(-1))


@pytest.mark.parametrize("size", [8, 16, 28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("sn", [False, True])
def test_dcgan_shapes(size, channels, sn):
    G = DCGANGenerator(z_dim=10, image_size=size, channels=channels, width=8)
    D = DCGANDiscriminator(image_size=size, channels=channels, width=8, spectral_norm=sn)
    x = G(torch.randn(4, 10))
    assert x.shape == (4, channels, size, size)
    assert x.abs().max() <= 1.0
    assert D(x).shape == (4,)


def test_dcgan_init_is_n0_002():
    torch.manual_seed(0)
    G = DCGANGenerator(z_dim=64, image_size=32, width=32)
    w = G.net[0].weight
    assert abs(w.mean().item()) < 2e-3
    assert w.std().item() == pytest.approx(0.02, rel=0.05)
    D = DCGANDiscriminator(image_size=32, width=32, spectral_norm=True)
    orig = D.net[0].parametrizations.weight.original
    assert orig.std().item() == pytest.approx(0.02, rel=0.1)


def test_base_size():
    assert base_size(8) == (4, 1)
    assert base_size(16) == (4, 2)
    assert base_size(28) == (7, 2)
    assert base_size(64) == (4, 4)
    with pytest.raises(ValueError, match="image_size"):
        base_size(18)
    with pytest.raises(ValueError, match="image_size"):
        base_size(4)


def test_bad_arguments():
    with pytest.raises(TypeError, match="z_dim"):
        MLPGenerator(z_dim=1.5)
    with pytest.raises(ValueError, match="activation"):
        MLPDiscriminator(activation="gelu")
    with pytest.raises(ValueError, match="x must have shape"):
        DCGANDiscriminator(image_size=16)(torch.zeros(2, 1, 8, 8))


@pytest.mark.parametrize("spectral_norm", [False, True])
def test_discriminator_exposes_features_and_head_and_reads_old_layer_names(spectral_norm):
    """D = head(features(x)); a state dict saved when every layer sat in ``net.0`` ... ``net.N`` still loads."""
    torch.manual_seed(0)
    D = DCGANDiscriminator(16, width=8, spectral_norm=spectral_norm, full_res=True).eval()
    x = torch.randn(3, 1, 16, 16)
    assert torch.equal(D(x), D.head(D.features(x)).view(-1))
    assert [type(m) for m in D.net] == [*map(type, D.trunk), type(D.head)]
    n = len(D.trunk)
    old = {}
    for key, value in D.state_dict().items():  # the names the layers had before
        part, rest = key.split(".", 1)
        old[f"net.{n}.{rest}" if part == "head" else f"net.{rest}"] = value
    fresh = DCGANDiscriminator(16, width=8, spectral_norm=spectral_norm, full_res=True).eval()
    fresh.load_state_dict(old)
    assert torch.equal(fresh(x), D(x))
    cond = ConditionalDCGANDiscriminator(10, 16, width=8, conditioning="projection").eval()
    old_cond = {
        k.replace("body.trunk.", "body.net.").replace("body.head.", f"body.net.{len(cond.body.trunk)}."): v
        for k, v in cond.state_dict().items()
    }
    again = ConditionalDCGANDiscriminator(10, 16, width=8, conditioning="projection").eval()
    again.load_state_dict(old_cond)
    y = torch.tensor([0, 3, 9])
    assert torch.equal(again(x, y), cond(x, y))
