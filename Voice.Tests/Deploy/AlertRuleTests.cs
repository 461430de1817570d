using k8s;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Deploy;

/// <summary>
/// The hand-kept alert rules ship as a Prometheus Operator PrometheusRule: its rule groups pass promtool, and every
/// alert says what it is (summary, description) and links its runbook, which exists in docs/runbooks.
/// </summary>
public sealed class AlertRuleTests
{
    /// <summary>Where runbook_url points: the repository's docs/runbooks on main (a fork patches the base).</summary>
    public const string RunbookBase = "https://github.com/voice/voice/blob/main/docs/runbooks/";

    public static readonly string RulesPath = Path.Combine(RepositoryPaths.Root, "deploy", "k8s", "monitoring", "voice-alerts.yml");

    [Fact]
    public async Task TheRuleGroupsPassPromtool()
    {
        string groups = WriteRuleGroups();
        try
        {
            var check = await Processes.RunAsync("promtool", ["check", "rules", groups], TimeSpan.FromMinutes(1));
            Assert.True(check.Code == 0, check.All);
            Assert.Contains("SUCCESS", check.All, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(groups);
        }
    }

    [Fact]
    public void EveryAlertHasASummaryADescriptionAndARunbookThatExists()
    {
        var rule = Load();
        Assert.Equal("voice-alerts", rule.Metadata.Name);
        var alerts = rule.Spec.Groups.SelectMany(g => g.Rules).Where(r => r.Alert is not null).ToList();
        Assert.Equal(8, alerts.Count);
        foreach (var alert in alerts)
        {
            var annotations = alert.Annotations ?? new Dictionary<string, string>();
            Assert.False(string.IsNullOrWhiteSpace(annotations.TryGetValue("summary", out var s) ? s : null), $"{alert.Alert} has no summary");
            Assert.False(string.IsNullOrWhiteSpace(annotations.TryGetValue("description", out var d) ? d : null), $"{alert.Alert} has no description");
            Assert.True(annotations.TryGetValue("runbook_url", out var url), $"{alert.Alert} has no runbook_url");
            Assert.Equal($"{RunbookBase}{alert.Alert}.md", url);
            string page = Path.Combine(RepositoryPaths.Root, "docs", "runbooks", url![RunbookBase.Length..]);
            Assert.True(File.Exists(page), $"{alert.Alert}'s runbook {page} does not exist");
            string text = File.ReadAllText(page);
            foreach (string section in new[] { "What it means", "How to check", "How to mitigate" })
            {
                Assert.Contains(section, text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void AMisspelledRuleFieldFailsStrictDeserialisation()
    {
        const string misspelled = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: x\nspec:\n  groups:\n  - name: g\n    rules:\n    - alert: A\n      expression: up == 0\n";
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(misspelled, TypeMap, strict: true));
    }

    /// <summary>The rules' <c>spec</c> (its <c>groups</c>) as a plain Prometheus rules file, for promtool; the caller deletes it.</summary>
    public static string WriteRuleGroups()
    {
        string text = File.ReadAllText(RulesPath);
        int spec = text.IndexOf("\nspec:\n", StringComparison.Ordinal);
        Assert.True(spec >= 0, "voice-alerts.yml has no spec");
        // The spec's body, one level less indented: exactly the groups of a rules file.
        var lines = text[(spec + "\nspec:\n".Length)..].Split('\n').Select(l => l.StartsWith("  ", StringComparison.Ordinal) ? l[2..] : l);
        string file = Path.Combine(Path.GetTempPath(), $"voice-alerts-{Guid.NewGuid():N}.yml");
        File.WriteAllText(file, string.Join('\n', lines));
        return file;
    }

    private static readonly Dictionary<string, Type> TypeMap = new() { ["monitoring.coreos.com/v1/PrometheusRule"] = typeof(PrometheusRule) };

    private static PrometheusRule Load() =>
        Assert.IsType<PrometheusRule>(Assert.Single(KubernetesYaml.LoadAllFromString(File.ReadAllText(RulesPath), TypeMap, strict: true)));
}
