// App Service built-in authentication ("Easy Auth") in front of the function app: every request
// must carry an Entra ID v2 access token issued by this tenant for the app registration that the
// preprovision hook makes (scripts/app_registration.py), except on the excluded paths. The app
// checks roles itself (Easy Auth does not) and also refuses callers without a principal:
// docs/security.md, "On Azure".
param appName string

@minLength(36)
@maxLength(36)
@description('Application (client) id of the app registration the tokens are issued for.')
param clientId string

@description('Paths served without a token, each matched exactly: the anonymous routes of the app and the blobs extension webhook.')
param excludedPaths array

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: appName
}

// v2 tokens only (the registration sets requestedAccessTokenVersion 2): Easy Auth reads this
// issuer's metadata for the signing keys and checks the token's `iss` against it.
var openIdIssuer = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'

// The platform validates the bearer token and passes the caller to the app as
// X-MS-CLIENT-PRINCIPAL (removing any such header a client sent); unauthenticated calls to a
// path not excluded get 401 before the app runs. No login redirects and no token store: callers
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
          // A v2 token's `aud` is the client id; the api:// URI is what a client names when
          // it asks for a token (az account get-access-token --resource api://<client id>).
          allowedAudiences: [
            clientId
            'api://${clientId}'
          ]
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
