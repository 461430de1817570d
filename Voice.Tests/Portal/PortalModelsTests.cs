using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Voice.Tests.Infrastructure;
using Voice.Web.Pages;

namespace Voice.Tests.Portal;

/// <summary>
/// The portal offers what the live models can do: the test platform runs one pool, <c>espeak</c>, which makes preset,
/// design and clone voices; its forms and selects follow what <c>GET /api/v1/models</c> lists, and a chosen model
/// reaches the API. (What is withheld when no model makes a mode is <see cref="ModelOfferTests"/>' part.)
/// </summary>
[Collection(AppCollection.Name)]
public sealed class PortalModelsTests(VoiceAppFixture app) : BrowserTest
{
    [Fact]
    public async Task ThePortalOffersTheLiveEspeakPoolWithItsModesAndLanguagesAndSendsTheChosenModel()
    {
        var espeak = await LiveModelAsync("espeak");
        string[] spoken = [.. espeak.GetProperty("languages").EnumerateArray().Select(l => l.GetString()!)];
        string[] offered = [.. PlaygroundModel.Languages.Select(l => l.Code).Where(spoken.Contains)];
        Assert.NotEmpty(offered);
        await using var context = await PortalPages.NewContextAsync(Browser, app);
        var page = await context.NewPageAsync();
        await PortalPages.SignUpAsync(page, "Models Test", snap: false);

        // Voices: both forms, each listing the languages the pool speaks.
        await page.GetByRole(AriaRole.Link, new() { Name = "Voices" }).ClickAsync();
        await Assertions.Expect(page.Locator("#design-voice")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#clone-voice")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("#no-design, #no-clone").CountAsync());
        Assert.Equal(offered, await OptionValuesAsync(page, "#design-language"));
        Assert.Equal(offered, await OptionValuesAsync(page, "#clone-language"));

        // Playground: the automatic choice and the pool, by name, engine and model.
        await page.GetByRole(AriaRole.Link, new() { Name = "Playground", Exact = true }).ClickAsync();
        Assert.Equal(["", "espeak"], (await OptionValuesAsync(page, "#model")).Where(v => v is "" or "espeak"));
        Assert.Equal("Automatic (best for the voice)", (await page.Locator("#model option[value='']").TextContentAsync())!.Trim());
        Assert.Equal($"espeak — espeak/{espeak.GetProperty("model").GetString()}", (await page.Locator("#model option[value='espeak']").TextContentAsync())!.Trim());
        Assert.Equal(offered, await OptionValuesAsync(page, "#language"));

        // Choosing the model puts it in both snippets and in the request: the API refuses one that stopped after
        // the page was drawn (so the field reached it), and speaks with the live one.
        await page.Locator("#snippets summary").ClickAsync();
        await Assertions.Expect(page.Locator("#snippet-curl")).ToContainTextAsync("\"model\":\"tts-1\""); // automatic: the OpenAI alias, routed by the voice
        await Assertions.Expect(page.Locator("#snippet-openai")).ToContainTextAsync("model=\"tts-1\"");
        await page.Locator("#model").SelectOptionAsync("espeak");
        await Assertions.Expect(page.Locator("#snippet-curl")).ToContainTextAsync("\"model\":\"espeak\"");
        await Assertions.Expect(page.Locator("#snippet-openai")).ToContainTextAsync("model=\"espeak\"");
        await page.Locator("#model option[value='espeak']").EvaluateAsync("option => option.value = 'stopped-model'");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate speech" }).ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("No running model is called 'stopped-model'");
        await Assertions.Expect(page.Locator("#snippet-curl")).ToContainTextAsync("\"model\":\"stopped-model\""); // as posted
        await Assertions.Expect(page.Locator("#snippet-openai")).ToContainTextAsync("model=\"stopped-model\"");
        await page.Locator("#model").SelectOptionAsync("espeak");
        await page.GetByLabel("Text").FillAsync("Spoken by the model I chose.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate speech" }).ClickAsync();
        await Assertions.Expect(page.Locator("#task-status")).ToHaveTextAsync("completed", new() { Timeout = 60_000 });
    }

    private static Task<string[]> OptionValuesAsync(IPage page, string select) =>
        page.Locator($"{select} option").EvaluateAllAsync<string[]>("options => options.map(o => o.value)");

    /// <summary>The model as the API lists it, once its workers have announced it.</summary>
    private async Task<JsonElement> LiveModelAsync(string id)
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var models = (await api.GetFromJsonAsync<JsonElement>("/api/v1/models")).GetProperty("models").EnumerateArray();
            if (models.FirstOrDefault(m => m.GetProperty("id").GetString() == id) is { ValueKind: JsonValueKind.Object } model)
            {
                return model;
            }
            Assert.True(DateTime.UtcNow < deadline, $"model '{id}' is not listed");
            await Task.Delay(250);
        }
    }
}
