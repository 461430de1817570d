namespace Aspire.Hosting;

/// <summary>The API's operator surface in the AppHost: its admin listener, and dashboard buttons that call it.</summary>
public static class AdminListenerExtensions
{
    public const string AdminEndpoint = "admin";

    /// <summary>
    /// The API's admin listener: a second HTTP endpoint, <c>admin</c>, on its own port (<c>VOICE_ADMIN_PORT</c>, default
    /// 5081), whose target port the API learns as <c>Admin__Port</c> — the admin API answers only there, and nothing
    /// else does. Kestrel listens on both endpoints (ASPNETCORE_URLS names every HTTP endpoint of a project). It is not
    /// external: an ingress publishes the public endpoint only.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAdminListener(this IResourceBuilder<ProjectResource> project, int? port)
    {
        project.WithHttpEndpoint(port: port, name: AdminEndpoint).WithEndpoint(AdminEndpoint, e => e.IsExternal = false);
        return project.WithEnvironment("Admin__Port", project.GetEndpoint(AdminEndpoint).Property(EndpointProperty.TargetPort));
    }

    /// <summary>
    /// A button on the resource in the Aspire dashboard that POSTs to one of its admin endpoints with the admin
    /// token (operator chores: a retention sweep, a rewrap after a master-key rotation).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAdminCommand(this IResourceBuilder<ProjectResource> project, string path, string displayName,
        IResourceBuilder<ParameterResource> adminToken) =>
        project.WithHttpCommand(path, displayName, endpointName: AdminEndpoint, commandOptions: new HttpCommandOptions
        {
            Method = HttpMethod.Post,
            ResultMode = HttpCommandResultMode.Auto,
            PrepareRequest = async context => context.Request.Headers.Authorization =
                new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await adminToken.Resource.GetValueAsync(context.CancellationToken)),
        });
}
