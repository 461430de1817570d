using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Voice.ApiService.Security;

namespace Voice.ApiService.Extensions;

/// <summary>
/// The API's two OpenAPI documents: <c>v1</c> (<c>/openapi/v1.json</c>), the public API with its credential schemes and
/// request examples, read by the interactive reference at <c>/docs</c>; and <c>admin</c> (<c>/openapi/admin.json</c>), the
/// operator routes only, served on the admin listener (<see cref="AdminListener"/>).
/// </summary>
public static class OpenApiDocuments
{
    public const string Public = "v1", Admin = "admin";
    public const string ReferencePath = "/docs";

    public static IServiceCollection AddVoiceOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(Public, options =>
        {
            options.ShouldInclude = description => !IsAdmin(description);
            options.AddDocumentTransformer((document, _, _) =>
            {
                AddScheme(document, "Bearer", new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key (`vk_live_…`) or a portal session: `Authorization: Bearer <key>`.",
                });
                AddScheme(document, "ApiKey", new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "X-Api-Key",
                    Description = "The same API key in the `X-Api-Key` header, for clients that cannot set `Authorization`.",
                });
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                RequireSchemes(operation, context, "Bearer", "ApiKey");
                AddExample(operation, context.Description);
                return Task.CompletedTask;
            });
        });
        services.AddOpenApi(Admin, options =>
        {
            options.ShouldInclude = IsAdmin;
            options.AddDocumentTransformer((document, _, _) =>
            {
                AddScheme(document, "OperatorToken", new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An operator token (`vop_…`, POST /admin/v1/operators/tokens) or the bootstrap token (`Admin:Token`).",
                });
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                RequireSchemes(operation, context, "OperatorToken");
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>The interactive reference (Scalar) of the public document at <c>/docs</c>; its script comes from the package, not a CDN.</summary>
    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app)
    {
        app.MapScalarApiReference(ReferencePath, options => options
            .WithTitle("Voice API")
            .AddDocument(Public)
            .AddPreferredSecuritySchemes("Bearer"));
        return app;
    }

    private static bool IsAdmin(ApiDescription description) =>
        description.RelativePath?.StartsWith("admin/", StringComparison.OrdinalIgnoreCase) == true;

    private static void AddScheme(OpenApiDocument document, string name, OpenApiSecurityScheme scheme)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[name] = scheme;
    }

    // Either scheme will do (one requirement each: OpenAPI reads the list as "any of").
    private static void RequireSchemes(OpenApiOperation operation, OpenApiOperationTransformerContext context, params string[] schemes)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
        {
            return;
        }
        operation.Security ??= [];
        foreach (string scheme in schemes)
        {
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
        }
    }

    private static void AddExample(OpenApiOperation operation, ApiDescription description)
    {
        string? example = (description.HttpMethod, description.RelativePath) switch
        {
            ("POST", "v1/audio/speech") => """{"model": "tts-1", "input": "Hello from Voice.", "voice": "alloy", "response_format": "mp3"}""",
            ("POST", "api/v1/voice/generate") => """{"text": "Hello from Voice.", "language": "en", "voice": "alloy", "format": "wav"}""",
            ("POST", "api/v1/dialogue") => """{"turns": [{"voice": "alloy", "text": "Hi!"}, {"voice": "echo", "text": "Hello there."}], "format": "mp3"}""",
            _ => null,
        };
        if (example is not null && operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
        {
            media.Example = JsonNode.Parse(example);
        }
    }
}
