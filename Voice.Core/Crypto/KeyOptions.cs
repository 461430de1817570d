using System.ComponentModel.DataAnnotations;

namespace Voice.Core.Crypto;

/// <summary>The key material every Voice service shares (configuration section <c>Voice</c>).</summary>
public sealed class KeyOptions
{
    public const string Section = "Voice";

    /// <summary>Root secret from which purpose keys are derived (AppHost parameter <c>master-key</c>).</summary>
    [Required]
    [MinLength(Crypto.MasterKey.MinimumLength)]
    public string MasterKey { get; set; } = "";

    /// <summary>
    /// Master keys being rotated out: they still unwrap tenants' data keys (and open sealed secrets) until the
    /// rewrap (<c>POST /admin/v1/keys/rewrap</c>) has moved everything under <see cref="MasterKey"/>.
    /// </summary>
    public List<string> PreviousMasterKeys { get; set; } = [];
}
