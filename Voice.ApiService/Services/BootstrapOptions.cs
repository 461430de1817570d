using System.ComponentModel.DataAnnotations;
using Voice.ApiService.Accounts;

namespace Voice.ApiService.Services;

/// <summary>Configuration section <c>Bootstrap</c>: development conveniences, unset in production.</summary>
public sealed class BootstrapOptions : IValidatableObject
{
    public const string Section = "Bootstrap";

    /// <summary>The API key the <c>demo</c> tenant accepts (the AppHost generates one per run).</summary>
    public string? DemoApiKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(DemoApiKey) && (!CredentialToken.TryParse(DemoApiKey, out var key) || key.Value.Kind != CredentialKind.ApiKey))
        {
            yield return new ValidationResult("Bootstrap:DemoApiKey is not a valid API key (vk_live_<12 chars>_<32 chars>).", [nameof(DemoApiKey)]);
        }
    }
}
