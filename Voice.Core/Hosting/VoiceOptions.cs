using System.ComponentModel.DataAnnotations;

namespace Voice.Core.Hosting;

/// <summary>Settings every Voice service shares (configuration section <c>Voice</c>).</summary>
public sealed class VoiceOptions
{
    public const string Section = "Voice";

    /// <summary>Root secret from which purpose keys are derived (AppHost parameter <c>master-key</c>).</summary>
    [Required]
    [MinLength(Crypto.MasterKey.MinimumLength)]
    public string MasterKey { get; set; } = "";
}
