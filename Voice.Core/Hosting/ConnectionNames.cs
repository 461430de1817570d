namespace Voice.Core.Hosting;

/// <summary>The connection strings the AppHost hands out, one per database role.</summary>
public static class ConnectionNames
{
    /// <summary>The database owner: migrations only (API start-up).</summary>
    public const string Owner = "voicedb";

    /// <summary><c>voice_app</c>: what the services use for everything, under row-level security.</summary>
    public const string App = "voicedb-app";

    /// <summary><c>voice_admin</c>: bypasses row-level security; the admin API only.</summary>
    public const string Admin = "voicedb-admin";

    public const string Redis = "redis";
    public const string Blobs = "blobs";
}
