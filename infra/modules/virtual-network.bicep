// The virtual network of vnetEnabled (docs/deploy.md, "Private networking"), as Microsoft's
// Flex Consumption quickstarts lay it out: one subnet the app joins (VNet integration,
// delegated to Microsoft.App/environments, which Flex Consumption requires), one for the
// private endpoints of the host's storage account.
param name string
param location string
param tags object = {}

param addressPrefix string = '10.0.0.0/16'
param privateEndpointsPrefix string = '10.0.1.0/24'
param appPrefix string = '10.0.2.0/24'

var privateEndpointsSubnet = 'private-endpoints'
var appSubnet = 'app'

resource network 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [addressPrefix]
    }
    subnets: [
      {
        name: privateEndpointsSubnet
        properties: {
          addressPrefix: privateEndpointsPrefix
          privateEndpointNetworkPolicies: 'Disabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
        }
      }
      {
        name: appSubnet
        properties: {
          addressPrefix: appPrefix
          privateEndpointNetworkPolicies: 'Disabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
    ]
  }
}

output id string = network.id
output name string = network.name
output privateEndpointsSubnetId string = '${network.id}/subnets/${privateEndpointsSubnet}'
output appSubnetId string = '${network.id}/subnets/${appSubnet}'
