"""The compiled covariance (:func:`sselab.eis.kernel._final._covariance`): a well-conditioned
Jacobian is inverted through the Cholesky factor of its scaled Gram matrix, anything less well
conditioned by the SVD the numpy engine uses; both give the engine's covariance, and what is
reported undetermined (NaN rows) is the SVD's decision alone."""

import numpy as np
import pytest

pytest.importorskip("numba")
from sselab.eis.kernel import _final  # noqa: E402  (needs numba)
from sselab.fitting import engine  # noqa: E402

M, K = 120, 6


def _jacobians(rng, n, mix):
    """n (M, K) Jacobians with columns of scales 1e-6..1e6, columns 2 and 3 correlated by about
    ``mix`` (the closer to 1, the more collinear)."""
    Z = rng.normal(size=(n, M, K))
    Z[:, :, 3] = mix * Z[:, :, 2] + np.sqrt(1 - mix**2) * Z[:, :, 3]
    return Z * np.logspace(-6, 6, K)


def _compiled(J, chi2, scale=True):
    """The compiled covariance of each (M, K) Jacobian of J, given transposed as _covariance takes it."""
    cov = np.full((len(J), K, K), -1.0)
    weak = np.zeros((len(J), K), bool)
    ok = np.array([_final._covariance(np.ascontiguousarray(j.T), c, scale, cv, w) for j, c, cv, w in zip(J, chi2, cov, weak)])
    return cov, weak, ok


def _gram_taken(J):
    col = np.linalg.norm(J, axis=1)
    return np.array([_final._gram_covariance(np.ascontiguousarray(j.T), c, 1.0, np.empty((K, K))) for j, c in zip(J, col)])


@pytest.mark.parametrize("scale", [True, False])
def test_well_conditioned_jacobians_take_the_gram_path_and_equal_the_svd(scale):
    rng = np.random.default_rng(1)
    J = _jacobians(rng, 40, 0.99)  # a 0.99-correlated pair, as CPE Q and n often are
    chi2 = rng.uniform(1, 5, 40)
    assert _gram_taken(J).all()
    cov, weak, ok = _compiled(J, chi2, scale)
    ref, ref_weak, errors = engine._covariances(J, chi2, scale)
    assert ok.all() and not weak.any() and ref_weak == [set()] * 40 and errors == [""] * 40
    np.testing.assert_allclose(cov, ref, rtol=1e-9)


def test_near_the_threshold_the_gram_path_still_equals_the_svd():
    """Where the Gram path's error is largest (condition number just under GRAM_COND_MAX, here
    ~1e5–1e6 from a pair correlated to 1 − 3e-6) it still equals the SVD's covariance to 1e-8
    of √(CᵢᵢCⱼⱼ)."""
    rng = np.random.default_rng(5)
    J = _jacobians(rng, 40, 1 - 3e-6)
    col = np.linalg.norm(J, axis=1)
    Gs = np.einsum("rmi,rmj->rij", J, J) / (col[:, :, None] * col[:, None, :])
    cond = np.array([np.abs(g).sum(axis=0).max() * np.abs(np.linalg.inv(g)).sum(axis=0).max() for g in Gs])
    below = cond < _final.GRAM_COND_MAX / 1.01  # (the kernel's own estimate differs in the last digits)
    above = cond > _final.GRAM_COND_MAX * 1.01
    assert below.sum() >= 10 and above.sum() >= 3 and (cond[below] > 1e5).all()
    assert _gram_taken(J[below]).all() and not _gram_taken(J[above]).any()  # the threshold, both ways
    J = J[below]
    chi2 = np.full(len(J), 2.0)
    cov, _, ok = _compiled(J, chi2)
    ref, _, _ = engine._covariances(J, chi2, True)
    sd = np.sqrt(np.abs(np.diagonal(ref, axis1=1, axis2=2)))
    assert ok.all() and (np.abs(cov - ref) / (sd[:, :, None] * sd[:, None, :])).max() < 1e-8


def test_ill_conditioned_and_singular_jacobians_take_the_svd():
    rng = np.random.default_rng(2)
    J = _jacobians(rng, 20, 1 - 1e-7)  # nearly collinear: condition number of JsᵀJs ≫ GRAM_COND_MAX
    assert not _gram_taken(J).any()
    chi2 = np.full(20, 2.0)
    cov, weak, ok = _compiled(J, chi2)
    ref, ref_weak, _ = engine._covariances(J, chi2, True)
    assert ok.all()
    np.testing.assert_allclose(cov, ref, rtol=1e-6)
    # exactly collinear columns: one direction dropped, its parameter NaN, as the engine decides
    J[:, :, 3] = 3.0 * J[:, :, 2]
    assert not _gram_taken(J).any()
    cov, weak, ok = _compiled(J, chi2)
    ref, ref_weak, _ = engine._covariances(J, chi2, True)
    assert [set(np.flatnonzero(w).tolist()) for w in weak] == ref_weak and all(ref_weak)
    np.testing.assert_array_equal(np.isnan(cov), np.isnan(ref))
    np.testing.assert_allclose(cov, ref, rtol=1e-6, equal_nan=True)


def test_a_zero_or_non_finite_column_never_takes_the_gram_path():
    rng = np.random.default_rng(3)
    J = _jacobians(rng, 2, 0.5)
    J[0, :, 1] = 0.0  # a parameter the data do not see: its row and column NaN
    J[1, 5, 4] = np.inf
    assert not _gram_taken(J).any()
    cov, weak, ok = _compiled(J, np.ones(2))
    ref, _, errors = engine._covariances(J, np.ones(2), True)
    assert ok.tolist() == [True, False] and errors[1]
    assert np.isnan(cov[0, 1]).all() and np.isnan(cov[0, :, 1]).all() and np.isfinite(cov[0, 0, 0])
    np.testing.assert_allclose(cov[0], ref[0], rtol=1e-6, equal_nan=True)
