using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Cli.Training;

namespace PRoLoRA.Native.Tests.Training;

public class CharLmFileTests
{
    [Test]
    public void SaveThenLoad_GivesTheSameTensorsAndShape()
    {
        using var folder = new TempFolder();
        var path = folder.File("base.safetensors");
        using var weights = TinyLm.Base();
        CharLmFile.Save(path, weights, TinyLm.Vocabulary, new Dictionary<string, string> { ["note"] = "test" });

        using var loaded = CharLmFile.Load(path, TinyLm.Vocabulary, CpuBackend.Instance);

        Assert.That(loaded.Config, Is.EqualTo(weights.Config));
        Assert.That(loaded.Named().Select(n => n.Name), Is.EqualTo(weights.Named().Select(n => n.Name)));
        Assert.That(loaded.Named().Select(n => n.Tensor.ToArray()), Is.EqualTo(weights.Named().Select(n => n.Tensor.ToArray())));
    }

    [Test]
    public void Load_WithAnotherAlphabet_IsRejected()
    {
        using var folder = new TempFolder();
        var path = folder.File("base.safetensors");
        using (var weights = TinyLm.Base())
        {
            CharLmFile.Save(path, weights, TinyLm.Vocabulary);
        }
        Assert.That(() => CharLmFile.Load(path, new CharVocabulary("abcdefg"), CpuBackend.Instance), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("another alphabet"));
    }

    [Test]
    public void Save_WithAVocabularyOfAnotherSize_IsRejected()
    {
        using var folder = new TempFolder();
        using var weights = TinyLm.Base();
        Assert.That(() => CharLmFile.Save(folder.File("x.safetensors"), weights, CharVocabulary.Default), Throws.ArgumentException.With.Message.Contains("49 characters"));
    }
}
