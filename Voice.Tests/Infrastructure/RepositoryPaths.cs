namespace Voice.Tests.Infrastructure;

/// <summary>Files of the repository the tests read or write (shipped configuration, screenshots).</summary>
public static class RepositoryPaths
{
    /// <summary>The folder that holds <c>Voice.sln</c>, found upwards from the test assembly.</summary>
    public static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "Voice.sln")))
        {
            directory = directory.Parent;
        }
        return directory.FullName;
    }
}
