using System.Text.RegularExpressions;
using System.Xml.Linq;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Architecture;

/// <summary>
/// The shape of the code, held by tests: which project may use which (read from the project files, transitively),
/// what reaches the API's build output, and that the folders of Voice.Core depend on each other one way only.
/// </summary>
public sealed partial class DependencyRulesTests
{
    [Fact]
    public void ApiDescribesEnginesWithoutLoadingThem()
    {
        var api = Project.Load("Voice.ApiService");

        Assert.DoesNotContain("Voice.Speech", api.ProjectClosure);
        Assert.Contains("Voice.Speech.Engines", api.ProjectClosure);
        Assert.DoesNotContain(api.PackageClosure, p => p.StartsWith("Microsoft.ML.", StringComparison.Ordinal));
    }

    [Fact]
    public void ApiBuildOutputHoldsNoOnnxRuntime()
    {
        string output = Path.Combine(RepositoryPaths.Root, "Voice.ApiService", "bin", BuildConfiguration, "net10.0");
        string deps = File.ReadAllText(Path.Combine(output, "Voice.ApiService.deps.json"));

        Assert.DoesNotContain("OnnxRuntime", deps, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Voice.Speech/", deps, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(output, "*onnxruntime*", new EnumerationOptions { RecurseSubdirectories = true, MatchCasing = MatchCasing.CaseInsensitive }));
    }

    [Fact]
    public void WorkerCannotReachAccountManagement()
    {
        var worker = Project.Load("Voice.Worker");

        Assert.DoesNotContain("Voice.ApiService", worker.ProjectClosure);
        Assert.DoesNotContain(worker.PackageClosure, p => p.StartsWith("Konscious.", StringComparison.Ordinal)); // the password hasher
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "Voice.Core"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)),
            f => AccountTypes().IsMatch(File.ReadAllText(f)));
    }

    [Fact]
    public void CoreStaysOffAspNetAndSpeech()
    {
        var core = Project.Load("Voice.Core");

        Assert.DoesNotContain("Microsoft.AspNetCore.App", core.FrameworkClosure);
        Assert.Empty(core.ProjectClosure);
    }

    [Fact]
    public void EngineDescriptionsDependOnNothing()
    {
        var engines = Project.Load("Voice.Speech.Engines");

        Assert.Empty(engines.ProjectClosure);
        Assert.Empty(engines.PackageClosure);
        Assert.Empty(engines.FrameworkClosure);
    }

    [Fact]
    public void PortalIsAClientOfTheApiOnly()
    {
        Assert.Equal(["Voice.ServiceDefaults"], Project.Load("Voice.Web").ProjectClosure);
    }

    [Fact]
    public void CoreFoldersDependOnEachOtherOneWayOnly()
    {
        string core = Path.Combine(RepositoryPaths.Root, "Voice.Core");
        var folders = Directory.GetDirectories(core).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).ToList();
        var uses = folders.ToDictionary(f => f!, f => Directory.EnumerateFiles(Path.Combine(core, f!), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => CoreNamespace().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
            .Where(used => used != f && folders.Contains(used))
            .ToHashSet());

        var twoWay = uses.SelectMany(from => from.Value.Where(to => uses[to].Contains(from.Key) && string.CompareOrdinal(from.Key, to) < 0)
            .Select(to => $"{from.Key} <-> {to}")).ToList();
        Assert.Empty(twoWay);
        Assert.True(uses.Values.Sum(u => u.Count) > 5, "the scan found the folders' dependencies"); // the rule is not vacuous
    }

    private static string BuildConfiguration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    [GeneratedRegex(@"\b(UserAccounts|TeamStore|ApiKeyStore|PasswordResets|PasswordHasher|CredentialAuthenticator|TenantAdministration)\b")]
    private static partial Regex AccountTypes();

    [GeneratedRegex(@"\bVoice\.Core\.([A-Z][A-Za-z]+)\b")]
    private static partial Regex CoreNamespace();

    /// <summary>A project file's references, followed through its project references.</summary>
    private sealed record Project(string Name, IReadOnlyList<string> ProjectClosure, IReadOnlyList<string> PackageClosure, IReadOnlyList<string> FrameworkClosure)
    {
        public static Project Load(string name)
        {
            var projects = new SortedSet<string>(StringComparer.Ordinal);
            var packages = new SortedSet<string>(StringComparer.Ordinal);
            var frameworks = new SortedSet<string>(StringComparer.Ordinal);
            var pending = new Stack<string>([name]);
            while (pending.TryPop(out var current))
            {
                var file = XDocument.Load(Path.Combine(RepositoryPaths.Root, current, current + ".csproj"));
                if (file.Root!.Attribute("Sdk")?.Value.StartsWith("Microsoft.NET.Sdk.Web", StringComparison.Ordinal) == true)
                {
                    frameworks.Add("Microsoft.AspNetCore.App");
                }
                foreach (var item in file.Descendants())
                {
                    string? include = item.Attribute("Include")?.Value;
                    switch (item.Name.LocalName)
                    {
                        case "ProjectReference" when include is not null:
                            string referenced = Path.GetFileNameWithoutExtension(include.Replace('\\', '/'));
                            if (projects.Add(referenced))
                            {
                                pending.Push(referenced);
                            }
                            break;
                        case "PackageReference" when include is not null:
                            packages.Add(include);
                            break;
                        case "FrameworkReference" when include is not null:
                            frameworks.Add(include);
                            break;
                    }
                }
            }
            return new Project(name, [.. projects], [.. packages], [.. frameworks]);
        }
    }
}
