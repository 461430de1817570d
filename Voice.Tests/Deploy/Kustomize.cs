using Voice.Tests.Infrastructure;

namespace Voice.Tests.Deploy;

/// <summary>
/// kustomize v5 as tools/install-deps.sh provides it: tools/kustomize/bin (unpacked from Debian 13), else
/// <c>kustomize</c> on PATH, else the one inside <c>kubectl</c>.
/// </summary>
internal static class Kustomize
{
    public static Task<Processes.Result> BuildAsync(string directory)
    {
        string local = Path.Combine(RepositoryPaths.Root, "tools", "kustomize", "bin", "kustomize");
        if (File.Exists(local))
        {
            return Processes.RunAsync(local, ["build", directory], TimeSpan.FromMinutes(2));
        }
        return OnPath("kustomize")
            ? Processes.RunAsync("kustomize", ["build", directory], TimeSpan.FromMinutes(2))
            : Processes.RunAsync("kubectl", ["kustomize", directory], TimeSpan.FromMinutes(2));
    }

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, command)));
}
