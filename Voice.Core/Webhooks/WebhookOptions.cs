using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Voice.Core.Webhooks;

/// <summary>Configuration section <c>Webhooks</c>.</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "Webhooks";

    /// <summary>The first retry's delay; each further one doubles (capped at an hour) with ±50 % jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Private networks (CIDR) deliveries may reach anyway: a cluster-internal receiver, or tests.</summary>
    public List<string> AllowedPrivateNetworks { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (string network in AllowedPrivateNetworks)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                yield return new ValidationResult($"Webhooks:AllowedPrivateNetworks: '{network}' is not a CIDR network.", [nameof(AllowedPrivateNetworks)]);
            }
        }
    }
}
