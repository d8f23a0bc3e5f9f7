// A telemetry role on Application Insights for the app's identity.
param applicationInsightsName string
param principalId string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

// Monitoring Metrics Publisher. Local auth is off, so the host and the worker send telemetry
// with an Entra ID token for this identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING);
// without this role, ingestion answers 403.
resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
