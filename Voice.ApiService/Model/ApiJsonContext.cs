using System.Text.Json.Serialization;

namespace Voice.ApiService.Model;

/// <summary>
/// Every body the API reads or writes, in snake_case. Request bodies are read with this context's own
/// options, which reject unknown fields (a typo such as <c>txt</c> is an error, not silently ignored);
/// responses always carry every field, null or not, so clients see one stable shape.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(GenerateRequest))]
[JsonSerializable(typeof(OpenAiSpeechRequest))]
[JsonSerializable(typeof(CreateLexiconEntryRequest))]
[JsonSerializable(typeof(LexiconEntryView))]
[JsonSerializable(typeof(LexiconList))]
[JsonSerializable(typeof(OpenAiModelList))]
[JsonSerializable(typeof(OpenAiVoiceList))]
[JsonSerializable(typeof(TaskAccepted))]
[JsonSerializable(typeof(TaskStatus))]
[JsonSerializable(typeof(CreateVoiceRequest))]
[JsonSerializable(typeof(UpdateVoiceRequest))]
[JsonSerializable(typeof(PreviewRequest))]
[JsonSerializable(typeof(VoiceView))]
[JsonSerializable(typeof(PresetView))]
[JsonSerializable(typeof(VoiceListView))]
[JsonSerializable(typeof(ReferenceQualityView))]
[JsonSerializable(typeof(PlanView))]
[JsonSerializable(typeof(PlanRequest))]
[JsonSerializable(typeof(PlanList))]
[JsonSerializable(typeof(UsageSeries))]
[JsonSerializable(typeof(UsageRecordList))]
[JsonSerializable(typeof(Voice.Core.Billing.Invoice))]
[JsonSerializable(typeof(Voice.Core.Billing.QuotaStatus))]
[JsonSerializable(typeof(AdminUsageList))]
[JsonSerializable(typeof(CreateKeyRequest))]
[JsonSerializable(typeof(CreatedKey))]
[JsonSerializable(typeof(KeyList))]
[JsonSerializable(typeof(KeyView))]
[JsonSerializable(typeof(TenantView))]
[JsonSerializable(typeof(TenantList))]
[JsonSerializable(typeof(AuditList))]
[JsonSerializable(typeof(SignUpRequest))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(SessionView))]
[JsonSerializable(typeof(CreateTenantRequest))]
[JsonSerializable(typeof(UpdateTenantRequest))]
[JsonSerializable(typeof(UsageView))]
[JsonSerializable(typeof(TaskList))]
[JsonSerializable(typeof(CancelAnswer))]
[JsonSerializable(typeof(CreateWebhookRequest))]
[JsonSerializable(typeof(UpdateWebhookRequest))]
[JsonSerializable(typeof(WebhookView))]
[JsonSerializable(typeof(CreatedWebhook))]
[JsonSerializable(typeof(WebhookList))]
[JsonSerializable(typeof(DeliveryList))]
[JsonSerializable(typeof(CallbackSecret))]
[JsonSerializable(typeof(DeadLetterList))]
[JsonSerializable(typeof(AudioAnalysis))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
