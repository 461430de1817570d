using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Voice.Web.Security;

/// <summary>
/// The portal's data-protection key (sign-in cookies, anti-forgery tokens) derived from one shared secret
/// (<c>Portal:DataProtectionKey</c>): every replica reads what another wrote and a restart signs nobody out,
/// without the portal reaching Redis or a shared volume (its network policy allows only the API). Rotating
/// the secret signs everyone out once. Without the setting, ASP.NET's default per-process keys apply.
/// </summary>
public sealed class SharedKeyRing : IXmlRepository
{
    public const string SettingName = "Portal:DataProtectionKey";

    private readonly XElement _key;

    public SharedKeyRing(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        byte[] input = Encoding.UTF8.GetBytes(secret);
        var id = new Guid(HKDF.DeriveKey(HashAlgorithmName.SHA256, input, 16, info: "voice portal key id"u8.ToArray()));
        byte[] masterKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, input, 64, info: "voice portal data protection"u8.ToArray());
        var descriptor = new AuthenticatedEncryptorDescriptor(new AuthenticatedEncryptorConfiguration(), new Secret(masterKey)).ExportToXml();
        // Fixed dates: the same secret yields byte-identical keys on every replica.
        var created = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _key = new XElement("key",
            new XAttribute("id", id),
            new XAttribute("version", 1),
            new XElement("creationDate", created),
            new XElement("activationDate", created),
            new XElement("expirationDate", created.AddYears(100)),
            new XElement("descriptor",
                new XAttribute("deserializerType", descriptor.DeserializerType.AssemblyQualifiedName!),
                descriptor.SerializedDescriptorElement));
    }

    public IReadOnlyCollection<XElement> GetAllElements() => [new XElement(_key)];

    // Automatic key generation is off, so nothing asks to store; a revocation would be an operator's mistake here.
    public void StoreElement(XElement element, string friendlyName) =>
        throw new InvalidOperationException($"The portal's key ring comes from {SettingName}; rotate that secret instead.");
}

public static class SharedKeyRingExtensions
{
    /// <summary>Uses the shared key ring when <see cref="SharedKeyRing.SettingName"/> is set.</summary>
    public static IServiceCollection AddSharedKeyRing(this IServiceCollection services, IConfiguration configuration)
    {
        string? secret = configuration[SharedKeyRing.SettingName];
        if (string.IsNullOrEmpty(secret))
        {
            return services;
        }
        services.AddDataProtection().SetApplicationName("voice-portal").DisableAutomaticKeyGeneration();
        services.Configure<KeyManagementOptions>(options => options.XmlRepository = new SharedKeyRing(secret));
        return services;
    }
}
