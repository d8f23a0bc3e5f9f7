// The app's user-assigned managed identity: the host, the worker's storage clients and the
// telemetry exporter all authenticate as it. User-assigned so that its roles exist before the
// app starts (a system-assigned identity only exists once the app does).
param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
