// App Service built-in authentication ("Easy Auth") in front of the function app: every request
// must carry an Entra ID v2 access token issued by this tenant for the app registration that the
// preprovision hook makes (scripts/app_registration.py), obtained by an allowed client
// application, except on the excluded paths. The app verifies the same token itself against the
// same issuer, audiences and clients (main.bicep passes both the same values), and checks roles,
// which Easy Auth does not: docs/security.md, "On Azure" and "Trust".
param appName string

@minLength(36)
@maxLength(36)
@description('Application (client) id of the app registration the tokens are issued for.')
param clientId string

@description('The v2 issuer of this tenant: Easy Auth reads its metadata for the signing keys and checks the token\'s iss against it (v2 tokens only: the registration sets requestedAccessTokenVersion 2).')
param openIdIssuer string

@description('What a token\'s aud may be: the registration\'s client id (what a v2 token carries) and its api:// URI (what a client names when it asks for a token).')
param allowedAudiences array

@minLength(1)
@description('Client ids whose tokens are accepted (azp of a v2 token, appid of a v1 token); any other client gets 403.')
param allowedApplications array

@description('Paths served without a token, each matched exactly: the anonymous routes of the app and the blobs extension webhook.')
param excludedPaths array

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: appName
}

// The platform validates the bearer token, forwards it (Authorization, unchanged) and adds the
// caller as X-MS-CLIENT-PRINCIPAL, which the app ignores; unauthenticated calls to a path not
// excluded get 401 before the app runs, and tokens of a client not allowed 403. No login redirects and no token store: callers
// are API clients that bring their own tokens.
resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  // checkov:skip=CKV_AZURE_13: The check reads the classic authsettings shape (properties.enabled); authsettingsV2 turns authentication on with platform.enabled, which CKV_AZURE_56 checks and passes.
  // checkov:skip=CKV_AZURE_63: Reads httpLoggingEnabled, a property of the site's web config, on every sites/config resource; authsettingsV2 has no such property.
  // checkov:skip=CKV_AZURE_65: Reads detailedErrorLoggingEnabled, a web config property that authsettingsV2 does not have.
  // checkov:skip=CKV_AZURE_66: Reads requestTracingEnabled, a web config property that authsettingsV2 does not have.
  // checkov:skip=CKV_AZURE_80: Reads netFrameworkVersion, a web config property (and a Python app has no .NET Framework).
  // checkov:skip=CKV_AZURE_88: Reads azureStorageAccounts, a web config property; Flex Consumption apps mount no Azure Files share.
  // checkov:skip=CKV_AZURE_222: Reads publicNetworkAccess, a site property; the API is public by design (skipped on the site in function-app.bicep for the same reason).
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: excludedPaths
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          openIdIssuer: openIdIssuer
          clientId: clientId
        }
        validation: {
          allowedAudiences: allowedAudiences
          defaultAuthorizationPolicy: {
            allowedApplications: allowedApplications
          }
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}
