"""Which BLAS a PyTorch peer process runs its CPU matmuls on (shared by the peers)."""


def blas_in_use():
    """The BLAS PyTorch's matmuls ran on: the libblas.so.3 mapped into this process (as the loader resolved it:
    libmkl_rt.so where the benchmark put MKL first) and any BLIS; OpenBLAS's own file, which Debian's
    LAPACK pulls in, is left out."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if ".so" in line}
    except OSError:
        return "unknown (no /proc/self/maps)"
    names = sorted(p for p in paths if p.rsplit("/", 1)[-1].startswith(("libblas", "libmkl_rt", "libblis")))
    return ", ".join(names) or "none mapped"
