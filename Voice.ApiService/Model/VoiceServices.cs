using Voice.ApiService.Services;
using Voice.ApiService.Submissions;
using Voice.Core.Audit;
using Voice.Core.Billing;
using Voice.Core.Storage;
using Voice.Core.Voices;
using Voice.Speech.Engines;

namespace Voice.ApiService.Model;

/// <summary>What the voice endpoints need: the profiles and their store, previews, plans, the audit log, reference recordings, the engine.</summary>
public sealed class VoiceServices(VoiceStore voices, VoiceProfiles profiles, VoicePreviews previews, PlanCatalog plans, AuditLog audit, BlobStore blobs,
    SpeechEngineDescriptor engine)
{
    public VoiceStore Voices { get; } = voices;

    public VoiceProfiles Profiles { get; } = profiles;

    public VoicePreviews Previews { get; } = previews;

    public PlanCatalog Plans { get; } = plans;

    public AuditLog Audit { get; } = audit;

    public BlobStore Blobs { get; } = blobs;

    public SpeechEngineDescriptor Engine { get; } = engine;
}
