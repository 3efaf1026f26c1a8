using PRoLoRA.Native.Cuda;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>Which CUresults leave the context unusable, so that disposing the device resets it.</summary>
public sealed class StickyErrorsTests
{
    [TestCase(700, Description = "CUDA_ERROR_ILLEGAL_ADDRESS")]
    [TestCase(702, Description = "CUDA_ERROR_LAUNCH_TIMEOUT")]
    [TestCase(710, Description = "CUDA_ERROR_ASSERT")]
    [TestCase(714, Description = "CUDA_ERROR_HARDWARE_STACK_ERROR")]
    [TestCase(715, Description = "CUDA_ERROR_ILLEGAL_INSTRUCTION")]
    [TestCase(716, Description = "CUDA_ERROR_MISALIGNED_ADDRESS")]
    [TestCase(717, Description = "CUDA_ERROR_INVALID_ADDRESS_SPACE")]
    [TestCase(718, Description = "CUDA_ERROR_INVALID_PC")]
    [TestCase(719, Description = "CUDA_ERROR_LAUNCH_FAILED")]
    [TestCase(911, Description = "CUDA_ERROR_EXTERNAL_DEVICE")]
    public void CrashesOfAKernel_AreSticky(int status) => Assert.That(StickyErrors.Is(status), Is.True);

    [TestCase(0, Description = "CUDA_SUCCESS")]
    [TestCase(1, Description = "CUDA_ERROR_INVALID_VALUE")]
    [TestCase(2, Description = "CUDA_ERROR_OUT_OF_MEMORY: the context stays usable")]
    [TestCase(500, Description = "CUDA_ERROR_NOT_FOUND")]
    [TestCase(701, Description = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: the launch did not happen")]
    [TestCase(720, Description = "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE")]
    [TestCase(999, Description = "CUDA_ERROR_UNKNOWN")]
    public void OtherErrors_AreNot(int status) => Assert.That(StickyErrors.Is(status), Is.False);
}
