using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Services;
using Voice.ApiService.Submissions;
using Voice.Audio;
using Voice.Core.Audit;
using Voice.Core.Billing;
using Voice.Core.Jobs;
using Voice.Core.Voices;
using Voice.Speech.Engines;

namespace Voice.ApiService.Apis;

/// <summary>
/// Voice profiles: clone (multipart upload with consent), design (a description) or preset, prepared once by the
/// engine and reused by every request; the presets every tenant has; previews. Another tenant's voice is
/// indistinguishable from one that does not exist (404), and the attempt is audited on both sides.
/// </summary>
public static class VoicesApi
{
    public const int MaxPreviewCharacters = VoicePreviews.MaxCharacters;
    private static readonly string[] CloneFields = ["mode", "name", "language", "reference_text", "consent"];

    public static IEndpointRouteBuilder MapVoicesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/voices").WithTags("Voices");
        var write = Policies.Scope(Scopes.VoicesWrite);

        api.MapPost("/", CreateAsync)
            .RequireAuthorization(write)
            .Accepts<CreateVoiceRequest>("application/json", "multipart/form-data")
            .WithSummary("Create a voice: clone (multipart: audio, consent, optional reference_text, language, name), design (JSON: description) or preset (JSON: preset)")
            .WithDescription("Answers 202 with the profile (status 'preparing') and the task that prepares it. A clone's reference is decoded, prepared and quality-checked first: a poor one is refused with voices/poor-reference, which lists what to fix.");
        api.MapGet("/", ListAsync).RequireAuthorization(Policies.VoicesRead).WithSummary("The presets and the tenant's voices (newest first; page with 'before')");
        api.MapGet("/{id}", GetAsync).RequireAuthorization(Policies.VoicesRead).WithSummary("A voice profile by id, or a preset by name");
        api.MapPatch("/{id:guid}", RenameAsync).RequireAuthorization(write).WithSummary("Rename a voice");
        api.MapDelete("/{id:guid}", DeleteAsync).RequireAuthorization(write).WithSummary("Delete a voice and its reference recording");
        api.MapGet("/{id:guid}/consent", ExportConsentAsync).RequireAuthorization(write).WithSummary("A cloned voice's consent record, as a file to keep");
        api.MapPost("/{id}/preview", PreviewAsync).RequireAuthorization(Policies.Scope(Scopes.SpeechWrite))
            .WithSummary("Speak a short sample with the voice (a sentence in its language unless text is given); answers 202 with the task");
        return app;
    }

    public static async Task<Results<Accepted<VoiceView>, ProblemHttpResult>> CreateAsync(
        HttpContext context, [AsParameters] VoiceServices services, CancellationToken cancellationToken)
    {
        var (input, problem) = context.Request.HasFormContentType ? await ReadCloneFormAsync(context, cancellationToken) : await ReadJsonAsync(context, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var (source, name, sampleText) = input!;
        var errors = services.Profiles.Validate(source, name);
        if (sampleText is not null && (sampleText.Trim().Length is 0 or > MaxPreviewCharacters))
        {
            errors["sample_text"] = [$"1–{MaxPreviewCharacters} characters."];
        }
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var caller = context.Caller();
        var plan = await services.Plans.GetAsync(caller.Plan, cancellationToken);
        var created = await services.Profiles.CreateAsync(caller, plan, source, name, transient: false, cancellationToken, context.ClientAddress());
        if (created.Problem is not null)
        {
            if (created.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter;
            }
            return created.Problem;
        }
        var voice = created.Voice!;
        // The voice stands even when its sample is not queued (preview_task_id stays null).
        Guid? previewTaskId = sampleText is null ? null : await services.Previews.TryQueueSampleAsync(caller, plan, voice, sampleText.Trim());
        return TypedResults.Accepted($"/api/v1/voices/{voice.Id}", ToView(voice, created.TaskId, previewTaskId));
    }

    /// <summary>What a new voice is made from, as the request gave it.</summary>
    private sealed record NewVoiceInput(VoiceSource Source, string? Name, string? SampleText);

    /// <summary>Reads a design or preset voice's JSON; clones come as multipart.</summary>
    private static async Task<(NewVoiceInput? Input, ProblemHttpResult? Problem)> ReadJsonAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.CreateVoiceRequest, cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }
        string language = request!.Language ?? "en";
        string? mode = request.Mode?.ToLowerInvariant() ?? (request.Preset is not null ? VoiceModes.Preset : request.Description is not null ? VoiceModes.Design : null);
        VoiceSource? source = mode switch
        {
            VoiceModes.Design when request.Preset is null && request.Instruct is null => new DesignSource(request.Description ?? "", language),
            VoiceModes.Preset when request.Description is null => new PresetSource(request.Preset ?? "", language, request.Instruct),
            _ => null,
        };
        if (source is not null)
        {
            return (new NewVoiceInput(source, request.Name, request.SampleText), null);
        }
        return (null, mode == VoiceModes.Clone
            ? Problems.Create(StatusCodes.Status415UnsupportedMediaType, Problems.UnsupportedMediaType,
                "Clones are created with multipart/form-data.", "Send the recording as the 'audio' file field with 'consent' and the other fields.")
            : Problems.ValidationFailed(new() { ["mode"] = ["Give a 'description' (design) or a 'preset' (optionally with a style 'instruct') — one of them; or upload 'audio' as multipart/form-data (clone)."] }));
    }

    /// <summary>Reads a clone's multipart form: the 'audio' file (≤ 10 MB) and the text fields; unknown fields are refused.</summary>
    private static async Task<(NewVoiceInput? Input, ProblemHttpResult? Problem)> ReadCloneFormAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var limits = AudioLimits.Reference;
        const long formOverhead = 64 * 1024;
        if (context.Request.ContentLength > limits.MaxBytes + formOverhead)
        {
            return (null, AudioApi.Problem(new AudioProblemException(AudioProblemKind.TooLarge, $"The file is larger than {limits.MaxBytes / (1024 * 1024)} MB.")));
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } max)
        {
            max.MaxRequestBodySize = limits.MaxBytes + formOverhead;
        }
        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, AudioApi.Problem(new AudioProblemException(AudioProblemKind.TooLarge, $"The file is larger than {limits.MaxBytes / (1024 * 1024)} MB.")));
        }
        catch (InvalidDataException ex)
        {
            return (null, Problems.Create(StatusCodes.Status400BadRequest, Problems.BadRequest, "The form could not be read.", ex.Message));
        }

        var errors = new Dictionary<string, string[]>();
        foreach (string unknown in form.Keys.Where(k => !CloneFields.Contains(k)))
        {
            errors[unknown] = ["Unknown field."];
        }
        foreach (var file in form.Files.Where(f => f.Name != "audio"))
        {
            errors[file.Name] = ["Unknown file field; send the recording as 'audio'."];
        }
        foreach (string field in CloneFields.Where(f => StorableText.FirstForbidden(form[f].ToString()) is not null))
        {
            errors[field] = [$"Has {StorableText.FirstForbidden(form[field].ToString())}. {StorableText.Rule}"];
        }
        if (form["mode"].ToString() is { Length: > 0 } mode && !string.Equals(mode, VoiceModes.Clone, StringComparison.OrdinalIgnoreCase))
        {
            errors["mode"] = ["A multipart upload creates a clone; design and preset voices are created with JSON."];
        }
        var audio = form.Files.GetFile("audio");
        if (audio is { Length: > 0 } && audio.Length > limits.MaxBytes)
        {
            return (null, AudioApi.Problem(new AudioProblemException(AudioProblemKind.TooLarge, $"The file is larger than {limits.MaxBytes / (1024 * 1024)} MB.")));
        }
        if (errors.Count > 0)
        {
            return (null, Problems.ValidationFailed(errors));
        }
        byte[] bytes = [];
        if (audio is not null)
        {
            using var buffer = new MemoryStream((int)audio.Length);
            await audio.CopyToAsync(buffer, cancellationToken);
            bytes = buffer.ToArray();
        }
        string? Field(string key) => form[key].ToString() is { Length: > 0 } value ? value : null;
        var source = new CloneSource(bytes, Field("reference_text"), Field("consent") ?? "", Field("language") ?? "en");
        return (new NewVoiceInput(source, Field("name"), null), null);
    }

    public static async Task<Results<Ok<VoiceListView>, ProblemHttpResult>> ListAsync(
        HttpContext context, [AsParameters] VoiceServices services, int? limit, Guid? before, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 100)
        {
            return Problems.ValidationFailed(new() { ["limit"] = ["1–100."] });
        }
        var caller = context.Caller();
        int take = limit ?? 50;
        var page = await services.Voices.ListAsync(caller.TenantId, before, take + 1, cancellationToken);
        var shown = page.Take(take).ToList();
        // Presets belong on the first page only.
        var presets = before is null ? PresetVoices.All.Select(p => ToView(p, services.Engine)).ToList() : [];
        return TypedResults.Ok(new VoiceListView(presets, [.. shown.Select(v => ToView(v))], page.Count > take ? shown[^1].Id : null));
    }

    public static async Task<Results<Ok<VoiceView>, Ok<PresetView>, ProblemHttpResult>> GetAsync(
        string id, HttpContext context, [AsParameters] VoiceServices services, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (!Guid.TryParse(id, out var voiceId))
        {
            return PresetVoices.Find(id) is { } preset ? TypedResults.Ok(ToView(preset, services.Engine)) : Problems.VoiceMissing(id);
        }
        var voice = await services.Voices.GetAsync(caller.TenantId, voiceId, cancellationToken);
        return voice is null ? await NotFoundAsync(caller, voiceId, services.Audit, cancellationToken) : TypedResults.Ok(ToView(voice));
    }

    public static async Task<Results<Ok<ConsentExport>, ProblemHttpResult>> ExportConsentAsync(
        Guid id, HttpContext context, [AsParameters] VoiceServices services, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var voice = await services.Voices.GetAsync(caller.TenantId, id, cancellationToken);
        if (voice is null)
        {
            return await NotFoundAsync(caller, id, services.Audit, cancellationToken);
        }
        if (Consent(voice.ConsentJson) is not { } consent)
        {
            return Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "This voice has no consent record.", "Only cloned voices carry one.");
        }
        await services.Audit.RecordAsync(caller.TenantId, caller.Actor, "voice.consent_exported", $"voice:{id}", null, cancellationToken);
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"consent-{id}.json\"";
        return TypedResults.Ok(new ConsentExport(voice.Id, voice.TenantId, voice.Name, voice.CreatedAt, consent));
    }

    public static async Task<Results<Ok<VoiceView>, ProblemHttpResult>> RenameAsync(
        Guid id, HttpContext context, [AsParameters] VoiceServices services, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.UpdateVoiceRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var caller = context.Caller();
        if (request!.Name is null)
        {
            // Nothing to change: PATCH {} answers the voice as it is.
            var current = await services.Voices.GetAsync(caller.TenantId, id, cancellationToken);
            return current is { Transient: false } ? TypedResults.Ok(ToView(current)) : await NotFoundAsync(caller, id, services.Audit, cancellationToken);
        }
        if (request.Name.Trim() is not { Length: > 0 and <= VoiceProfiles.MaxNameLength } name)
        {
            return Problems.ValidationFailed(new() { ["name"] = [$"1–{VoiceProfiles.MaxNameLength} characters."] });
        }
        var voice = await services.Voices.RenameAsync(caller.TenantId, id, name, caller.Actor, cancellationToken);
        return voice is null ? await NotFoundAsync(caller, id, services.Audit, cancellationToken) : TypedResults.Ok(ToView(voice));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, HttpContext context, [AsParameters] VoiceServices services, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var deleted = await services.Voices.DeleteAsync(caller.TenantId, id, caller.Actor, cancellationToken);
        if (deleted is null)
        {
            return await NotFoundAsync(caller, id, services.Audit, cancellationToken);
        }
        if (deleted.ReferencePath is { } path)
        {
            await services.Blobs.DeleteAsync(caller.TenantId, path, CancellationToken.None);
        }
        return TypedResults.NoContent();
    }

    public static async Task<Results<Accepted<TaskAccepted>, ProblemHttpResult>> PreviewAsync(
        string id, HttpContext context, [AsParameters] VoiceServices services, CancellationToken cancellationToken)
    {
        PreviewRequest request = new(null, null, null);
        if (context.Request.ContentLength is > 0 || context.Request.HasJsonContentType())
        {
            var (body, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.PreviewRequest, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }
            request = body!;
        }
        return await services.Previews.PreviewAsync(context.Caller(), id, request, cancellationToken) switch
        {
            SubmissionOutcome.Accepted accepted => accepted.ToResult(context),
            SubmissionOutcome.Problem refused => refused.ToResult(context),
            var other => throw new InvalidOperationException($"A preview cannot be {other.GetType().Name}."),
        };
    }

    private static async Task<ProblemHttpResult> NotFoundAsync(CallerIdentity caller, Guid id, AuditLog audit, CancellationToken cancellationToken)
    {
        await audit.RecordForeignAccessAsync(caller.TenantId, "voice", id.ToString(), caller.Actor, cancellationToken);
        return Problems.VoiceMissing(id.ToString());
    }

    public static VoiceView ToView(VoiceProfile voice, Guid? taskId = null, Guid? previewTaskId = null) => new(
        voice.Id, "voice", voice.Name, voice.Mode, voice.Status, voice.Language,
        voice.Mode == VoiceModes.Clone ? null : voice.Description,
        voice.ReferenceText, voice.Engine, voice.Fidelity,
        Json(voice.QualityJson), Json(voice.AnalysisJson), voice.Notes, Consent(voice.ConsentJson), Json(voice.ErrorJson),
        voice.CreatedAt, voice.ReadyAt, taskId, previewTaskId, voice.Instruction, voice.Model);

    private static PresetView ToView(PresetVoice preset, SpeechEngineDescriptor engine) => new(
        preset.Name, "voice", preset.Name, VoiceModes.Preset, VoiceStatus.Ready, preset.Gender.ToString().ToLowerInvariant(), preset.Description,
        engine.Capabilities.Languages, engine.Name, engine.Capabilities.Fidelity);

    public static JsonElement? Json(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();

    private static ConsentView? Consent(string? json)
    {
        if (json is null)
        {
            return null;
        }
        var root = JsonDocument.Parse(json).RootElement;
        string? Optional(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return new ConsentView(root.GetProperty("statement").GetString() ?? "", root.GetProperty("given_by").GetString() ?? "",
            root.GetProperty("given_at").GetDateTimeOffset(), Optional("terms_version"), Optional("statement_sha256"), Optional("source_address"),
            Optional("reference_sha256"), Optional("spoken_phrase_check"));
    }
}
