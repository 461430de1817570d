using Voice.Web.Pages;
using Voice.Web.Services;

namespace Voice.Tests.Portal;

/// <summary>What the portal's forms offer, from the live models: only what some model makes and speaks; everything when the list is unknown.</summary>
public sealed class ModelOfferTests
{
    private static readonly ModelView Cloner = new("qwen-base", "qwen3-onnx", "Qwen3-TTS-12Hz-0.6B-Base", ["clone"], ["zh", "en", "xx"]);
    private static readonly ModelView Presets = new("presets", "qwen3-onnx", "Qwen3-TTS-12Hz-0.6B-CustomVoice", ["preset"], ["fr", "en"]);

    [Fact]
    public void AModeNoLiveModelMakesIsNotOfferedAndHasNoLanguages()
    {
        var offer = new ModelOffer([Cloner, Presets], PlaygroundModel.Languages);

        Assert.True(offer.Makes("clone"));
        Assert.True(offer.Makes("preset"));
        Assert.False(offer.Makes("design"));
        Assert.Empty(offer.Languages("design"));
    }

    [Fact]
    public void EachModeListsTheLanguagesOfTheModelsMakingItInThePortalsOrderWithItsNames()
    {
        var offer = new ModelOffer([Cloner, Presets], PlaygroundModel.Languages);

        Assert.Equal([("en", "English"), ("zh", "Chinese")], offer.Languages("clone")); // not "xx": the portal has no name for it
        Assert.Equal([("en", "English"), ("fr", "French")], offer.Languages("preset"));
        Assert.Equal([("en", "English"), ("zh", "Chinese"), ("fr", "French")], offer.Languages());
        Assert.Equal(["qwen-base", "presets"], offer.Models.Select(m => m.Id));
    }

    [Fact]
    public void NoLiveModelOffersNothing()
    {
        var offer = new ModelOffer([], PlaygroundModel.Languages);

        Assert.False(offer.Makes("preset"));
        Assert.False(offer.Makes("design"));
        Assert.False(offer.Makes("clone"));
        Assert.Empty(offer.Languages());
        Assert.Empty(offer.Models);
    }

    [Fact]
    public void UnknownModelsOfferEveryModeAndLanguageAsBeforePools()
    {
        var offer = new ModelOffer(null, PlaygroundModel.Languages);

        Assert.True(offer.Makes("design"));
        Assert.True(offer.Makes("clone"));
        Assert.Equal(PlaygroundModel.Languages, offer.Languages("design"));
        Assert.Equal(PlaygroundModel.Languages, offer.Languages());
        Assert.Empty(offer.Models); // no model to pin: the playground offers only the automatic choice
    }
}
