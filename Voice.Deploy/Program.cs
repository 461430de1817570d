using Voice.Deploy;

// deploy/publish.sh runs this after the AppHost's publish-manifest step:
//   generate [--manifest deploy/aspire-manifest.json] [--out deploy/k8s] [--registry R] [--tag T] [--domain D] [--gateway NAMESPACE/NAME]
//   dev-secrets [--manifest deploy/aspire-manifest.json]        (prints a development secrets.env)
if (args.Length == 0 || args[0] is not ("generate" or "dev-secrets"))
{
    Console.Error.WriteLine("usage: Voice.Deploy generate|dev-secrets [--manifest FILE] [--out DIR] [--registry R] [--tag T] [--domain D] [--gateway NAMESPACE/NAME]");
    return 2;
}
string Option(string name, string fallback)
{
    int index = Array.IndexOf(args, $"--{name}");
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}

var manifest = AspireManifest.Load(Option("manifest", "deploy/aspire-manifest.json"));
if (args[0] == "dev-secrets")
{
    Console.Write(KubernetesOutput.DevelopmentSecrets(manifest));
    return 0;
}
var defaults = new PublishOptions();
string[] gateway = Option("gateway", $"{defaults.GatewayNamespace}/{defaults.Gateway}").Split('/', 2);
if (gateway.Length != 2)
{
    Console.Error.WriteLine("--gateway takes NAMESPACE/NAME (the Gateway the HTTPRoutes attach to)");
    return 2;
}
var options = new PublishOptions(Option("registry", defaults.Registry), Option("tag", defaults.Tag), Option("domain", defaults.Domain), gateway[1], gateway[0]);
string root = Option("out", "deploy/k8s");
var files = KubernetesOutput.Generate(manifest, options);
KubernetesOutput.Write(root, files);
Console.WriteLine($"Wrote {files.Count} files under {root}: {string.Join(", ", files.Keys)}");
return 0;
